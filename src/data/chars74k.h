#pragma once
// The EnglishImg part of Chars74K: English/Img/GoodImg/Bmp/SampleNNN/imgNNN-XXXXX.png, the class
// (0..61: digits, upper case, lower case) taken from NNN in the file name as the authors do.
#include <torch/types.h>

#include <filesystem>

#include "data/dataset.h"

namespace unas::data {

inline constexpr const char* kChars74kImageDir = "English/Img/GoodImg/Bmp";

// All images under `root`/English/Img/GoodImg/Bmp, in path order, resized (bilinear, like
// tf.image.resize) to height×width. Throws DataError if the folder or its images are missing.
Split read_chars74k(const std::filesystem::path& root, int height, int width);

}  // namespace unas::data
