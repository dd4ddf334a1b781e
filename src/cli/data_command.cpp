#include "cli/data_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/dataset_options.h"

namespace unas::cli {

namespace {

nlohmann::ordered_json describe(const data::Split& split, int classes) {
  const torch::Tensor counts = torch::bincount(split.labels, {}, classes);
  return {{"examples", split.size()},
          {"smallest_class", counts.min().item<std::int64_t>()},
          {"largest_class", counts.max().item<std::int64_t>()}};
}

void run_info(const DatasetOptions& options) {
  const data::Dataset d = data::load_dataset(options.spec());
  nlohmann::ordered_json out = {
      {"name", d.name},
      {"classes", d.num_classes},
      {"input", fmt::format("{}x{}x{}", d.input.height, d.input.width, d.input.channels)},
      {"train", describe(d.train, d.num_classes)},
      {"validation", describe(d.validation, d.num_classes)},
      {"test", describe(d.test, d.num_classes)},
      {"inputs", d.pipeline->describe()}};
  std::cout << out.dump(2) << "\n";
}

}  // namespace

void register_data_command(CLI::App& app) {
  CLI::App* data_cmd = app.add_subcommand("data", "Data sets: check that one loads, and how it is split");
  data_cmd->require_subcommand(1);
  data_cmd->fallthrough();
  auto options = std::make_shared<DatasetOptions>();
  CLI::App* info = data_cmd->add_subcommand("info", "Load a data set and print its splits, class balance and input pipeline");
  options->add_to(*info);
  info->fallthrough();
  info->callback([options] { run_info(*options); });
}

}  // namespace unas::cli
