#pragma once
// CIFAR-10 binary batches: records of one label byte and 3×32×32 pixel bytes (R, G, B planes).
#include <torch/types.h>

#include <filesystem>
#include <vector>

#include "data/dataset.h"

namespace unas::data {

// Reads and concatenates the given batch files. Throws DataError naming a missing file or one
// whose size is not a whole number of records.
Split read_cifar10_batches(const std::vector<std::filesystem::path>& files);

}  // namespace unas::data
