#include "cli/arch_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "arch/json_io.h"
#include "arch/morphism.h"
#include "arch/random_architecture.h"
#include "cli/errors.h"
#include "cli/input_shape.h"
#include "common/rng.h"
#include "resources/build_layer_graph.h"
#include "resources/resource_figures.h"

namespace unas::cli {

namespace {

// Prints a JSON array with one element per line: readable, and still one JSON document.
void print_json_lines(const std::vector<arch::Json>& items) {
  std::cout << "[";
  for (std::size_t k = 0; k < items.size(); ++k) std::cout << (k ? ",\n " : "\n ") << items[k].dump();
  std::cout << (items.empty() ? "]\n" : "\n]\n");
}

struct TaskOptions {
  std::string input = "48x48x3";
  int classes = 62;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--input", input, "Input shape HxWxC")->capture_default_str();
    cmd.add_option("--classes", classes, "Number of classes of the task")->check(CLI::Range(2, 1 << 20))->capture_default_str();
  }
  resources::TensorShape shape() const { return parse_input_shape(input, "--input"); }
};

struct RandomOptions {
  int count = 1;
  std::uint64_t seed = 0;
  TaskOptions task;
};

struct StatsOptions {
  std::string file;
  TaskOptions task;
  bool include_input = false;
  bool sparse = false;
};

struct MorphOptions {
  std::string file;
  std::uint64_t seed = 0;
  bool all = false;
};

void run_random(const RandomOptions& o) {
  const resources::TensorShape shape = o.task.shape();
  std::vector<arch::Json> out;
  for (int k = 0; k < o.count; ++k) {
    Rng rng(derive_seed(o.seed, static_cast<std::uint64_t>(k), "arch random"));
    const arch::Architecture a = arch::random_architecture(rng);
    resources::build_layer_graph(a, shape, o.task.classes);  // every member of the space builds for any input
    out.push_back(arch::to_json(a));
  }
  print_json_lines(out);
}

void run_stats(const StatsOptions& o) {
  const resources::TensorShape shape = o.task.shape();
  const auto archs = arch::parse_architectures(read_text(o.file));
  resources::ResourceOptions options;
  options.include_input = o.include_input;
  options.sparse = o.sparse;
  std::vector<arch::Json> out;
  for (const arch::Architecture& a : archs) {
    const auto figures = resources::measure_resources(resources::build_layer_graph(a, shape, o.task.classes), options);
    arch::Json j;
    j["pmu"] = figures.peak_memory_bytes;
    j["model_size"] = figures.model_size_bytes;
    j["macs"] = figures.macs;
    j["order"] = figures.order;
    out.push_back(std::move(j));
  }
  print_json_lines(out);
}

void run_morph(const MorphOptions& o) {
  const auto archs = arch::parse_architectures(read_text(o.file));
  std::vector<arch::Json> out;
  for (std::size_t k = 0; k < archs.size(); ++k) {
    Rng rng(derive_seed(o.seed, k, "arch morph"));
    if (o.all) {
      arch::Json children = arch::Json::array();
      for (const auto& child : arch::list_children(archs[k], rng)) children.push_back(arch::to_json(child));
      out.push_back(std::move(children));
    } else {
      const arch::Child child = arch::random_child(archs[k], rng);
      spdlog::info("architecture {}: {}", k, arch::describe(child.morphism));
      out.push_back(arch::to_json(child.architecture));
    }
  }
  print_json_lines(out);
}

}  // namespace

void register_arch_command(CLI::App& app) {
  CLI::App* arch_cmd = app.add_subcommand("arch", "Search space and resource model: random architectures, "
                                                  "their resource figures, their children");
  arch_cmd->require_subcommand(1);
  arch_cmd->fallthrough();  // global options (--log-level) may follow the subcommand

  auto random = std::make_shared<RandomOptions>();
  CLI::App* random_cmd = arch_cmd->add_subcommand("random", "Print random architectures of the search space as JSON");
  random_cmd->add_option("--count,-n", random->count, "How many architectures")->check(CLI::Range(0, 10'000'000))->capture_default_str();
  random_cmd->add_option("--seed", random->seed, "Random seed (architecture k depends only on the seed and k)")->capture_default_str();
  random->task.add_to(*random_cmd);
  random_cmd->fallthrough();
  random_cmd->callback([random] { run_random(*random); });

  auto stats = std::make_shared<StatsOptions>();
  CLI::App* stats_cmd = arch_cmd->add_subcommand(
      "stats", "Print peak memory (bytes, optimal order), model size (bytes) and MACs of architectures");
  stats_cmd->add_option("file", stats->file, "JSON file with an architecture or an array of them ('-' for stdin)")->required();
  stats->task.add_to(*stats_cmd);
  stats_cmd->add_flag("--include-input", stats->include_input, "Count the network input in peak memory");
  stats_cmd->add_flag("--sparse", stats->sparse, "Model size counts non-zero weights only (unstructured pruning)");
  stats_cmd->fallthrough();
  stats_cmd->callback([stats] { run_stats(*stats); });

  auto morph = std::make_shared<MorphOptions>();
  CLI::App* morph_cmd = arch_cmd->add_subcommand("morph", "Print one random child (a single morphism) per architecture");
  morph_cmd->add_option("file", morph->file, "JSON file with an architecture or an array of them ('-' for stdin)")->required();
  morph_cmd->add_option("--seed", morph->seed, "Random seed")->capture_default_str();
  morph_cmd->add_flag("--all", morph->all, "Print every child instead: one array of children per architecture");
  morph_cmd->fallthrough();
  morph_cmd->callback([morph] { run_morph(*morph); });
}

}  // namespace unas::cli
