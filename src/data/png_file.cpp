#include "data/png_file.h"

#include <fmt/format.h>
#include <png.h>

#include <cstring>

#include "data/dataset.h"

namespace unas::data {

torch::Tensor read_png_rgb(const std::filesystem::path& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw DataError(fmt::format("{}: not a readable PNG ({})", path.string(), image.message));
  image.format = PNG_FORMAT_RGB;
  torch::Tensor out = torch::empty({image.height, image.width, 3}, torch::kUInt8);
  if (!png_image_finish_read(&image, nullptr, out.data_ptr<std::uint8_t>(), 0, nullptr)) {
    const std::string message = image.message;
    png_image_free(&image);
    throw DataError(fmt::format("{}: corrupt PNG ({})", path.string(), message));
  }
  return out;
}

void write_png_rgb(const std::filesystem::path& path, const torch::Tensor& image) {
  const torch::Tensor pixels = image.to(torch::kUInt8).contiguous();
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(pixels.size(1));
  png.height = static_cast<png_uint_32>(pixels.size(0));
  png.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&png, path.c_str(), 0, pixels.data_ptr<std::uint8_t>(), 0, nullptr))
    throw DataError(fmt::format("{}: cannot write PNG ({})", path.string(), png.message));
}

}  // namespace unas::data
