#pragma once
// The command-line options that name a data set, shared by `unas data`, `unas train` and `unas export`.
#include <CLI/CLI.hpp>

#include "data/load_dataset.h"

namespace unas::cli {

struct DatasetOptions {
  std::string kind;
  std::string path;
  std::string image_size = "48x48";
  bool binary = false;
  std::uint64_t split_seed = 0;

  // `required`: --dataset and --path must be given (for export they go with --arch only).
  void add_to(CLI::App& cmd, bool required = true);
  data::DatasetSpec spec() const;  // throws UsageError for a bad --image-size
};

}  // namespace unas::cli
