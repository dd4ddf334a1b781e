#pragma once
// Speech Commands v0.02 in its real layout: <word>/<speaker>_nohash_<n>.wav (1 s, 16 kHz, mono),
// validation_list.txt and testing_list.txt (paths relative to the root; every other clip is for
// training), and _background_noise_/*.wav. The 12-class task as the authors set it up:
//   0 silence  background noise only, ceil(10 %) of the split's command clips in number
//   1 unknown  clips of the other words, ceil(10 %) of the command clips, drawn at random
//   2..11      down, go, left, no, off, on, right, stop, up, yes
// Training clips are mixed with background noise and shifted by up to ±100 ms per batch;
// validation and test clips are not augmented (their silence gets its noise once, at load).
// Inputs are MFCC features of 98 frames × 40 coefficients × 1.
#include <array>
#include <cstdint>
#include <filesystem>

#include "data/dataset.h"

namespace unas::data {

inline constexpr std::array<const char*, 10> kSpeechCommandWords = {"down", "go",    "left", "no", "off",
                                                                    "on",   "right", "stop", "up", "yes"};
inline constexpr int kSpeechCommandsClasses = 12;
inline constexpr std::int64_t kSilenceLabel = 0;
inline constexpr std::int64_t kUnknownLabel = 1;
inline constexpr const char* kBackgroundNoiseDir = "_background_noise_";

// The shape of one model input: frames × coefficients × 1.
resources::TensorShape speech_commands_input();

// Cheaply checks that the folders and lists are there. Throws DataError naming what is missing.
void check_speech_commands_files(const std::filesystem::path& root);

// Reads the clips and background noise under `root`; `split_seed` draws the unknown clips and
// the validation/test silence. Throws DataError naming a missing or unreadable file.
Dataset read_speech_commands(const std::filesystem::path& root, std::uint64_t split_seed);

}  // namespace unas::data
