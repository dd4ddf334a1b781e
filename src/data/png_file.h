#pragma once
#include <torch/types.h>

#include <filesystem>

namespace unas::data {

// Decodes a PNG (any colour type or bit depth) to a uint8 H×W×3 RGB tensor, with libpng.
// Throws DataError naming the path if it cannot.
torch::Tensor read_png_rgb(const std::filesystem::path& path);

// Writes a uint8 H×W×3 tensor as an RGB PNG.
void write_png_rgb(const std::filesystem::path& path, const torch::Tensor& image);

}  // namespace unas::data
