#pragma once
#include <torch/types.h>

#include <cstdint>

#include "common/rng.h"

namespace unas::data {

struct IndexSplit {
  torch::Tensor kept;   // int64 indices, ascending
  torch::Tensor taken;  // int64 indices, ascending
};

// Draws `count` of the examples, each class contributing in proportion to its size (largest
// remainders settle the rounding), as sklearn's stratified train_test_split does.
IndexSplit stratified_split(const torch::Tensor& labels, std::int64_t count, Rng& rng);

}  // namespace unas::data
