#pragma once
// Mono PCM WAV files, read and written with libsndfile.
#include <torch/types.h>

#include <filesystem>

namespace unas::data {

// All samples of a mono WAV recorded at `sample_rate`, as 1-D int16 (libsndfile converts other
// sample formats). Throws DataError naming the path for a missing or unreadable file, more than
// one channel or another sample rate.
torch::Tensor read_wav(const std::filesystem::path& path, int sample_rate);

// Writes 1-D int16 samples as a 16-bit mono WAV.
void write_wav(const std::filesystem::path& path, const torch::Tensor& samples, int sample_rate);

}  // namespace unas::data
