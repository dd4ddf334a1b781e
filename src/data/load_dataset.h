#pragma once
// The paper's data sets by name, split and augmented as the authors' configs do (SPEC.md):
//   mnist, fashion_mnist  IDX files (plain or .gz) in `path`; 10 % of train (stratified) is the
//                         validation set, the 10 000 t10k images the test set
//   cifar10               data_batch_1..5.bin and test_batch.bin in `path`; 10 % validation
//   chars74k              EnglishImg layout under `path`; 2 000 test, then 705 validation
//                         (both stratified), resized to image_height×image_width
//   speech_commands       Speech Commands v0.02 layout under `path` (data/speech_commands.h):
//                         12 classes, the lists' validation/test split, MFCC inputs 98×40×1
// `binary` makes the 2-class variants: MNIST and CIFAR-10 label < 5, Chars74K label < 31.
#include <cstdint>
#include <filesystem>
#include <string>

#include "data/dataset.h"

namespace unas::data {

struct DatasetSpec {
  std::string kind;
  std::filesystem::path path;
  int image_height = 48;  // chars74k only
  int image_width = 48;
  bool binary = false;
  std::uint64_t split_seed = 0;
};

// Throws DataError for an unknown kind, or a missing or malformed data set.
Dataset load_dataset(const DatasetSpec& spec);

// The names load_dataset() knows.
const std::vector<std::string>& dataset_kinds();

// Classes and input shape (H×W×C) of a data set, known without reading it.
int dataset_classes(const DatasetSpec& spec);
resources::TensorShape dataset_input(const DatasetSpec& spec);

// Cheaply checks that the files load_dataset() reads are there (no decoding). Throws DataError.
void check_dataset_files(const DatasetSpec& spec);

}  // namespace unas::data
