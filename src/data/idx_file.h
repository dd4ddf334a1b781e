#pragma once
// IDX files (the MNIST family's format), plain or gzip-compressed.
#include <torch/types.h>

#include <filesystem>

namespace unas::data {

// Reads an unsigned-byte IDX file into a uint8 tensor of its dimensions. Throws DataError
// naming the path for a missing file, a bad magic number or a short payload.
torch::Tensor read_idx(const std::filesystem::path& path);

// Writes a uint8 tensor as an IDX file (gzip-compressed when the name ends in ".gz").
void write_idx(const std::filesystem::path& path, const torch::Tensor& data);

}  // namespace unas::data
