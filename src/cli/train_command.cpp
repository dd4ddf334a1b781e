#include "cli/train_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "common/duration_text.h"
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arch/json_io.h"
#include "cli/dataset_options.h"
#include "cli/errors.h"
#include "cli/input_shape.h"
#include "resources/resource_figures.h"
#include "store/weights_file.h"
#include "train/trainer.h"

namespace unas::cli {

namespace {

using Json = nlohmann::ordered_json;

struct TrainOptions {
  std::string file;
  DatasetOptions dataset;
  int epochs = 3;
  int batch = 128;
  std::string optimizer = "sgdw";
  std::string rates = "0.01";
  double momentum = 0.9;
  double weight_decay = 0.0;
  double dropout = 0.0;
  int threads = 1;
  std::uint64_t seed = 0;
  std::string device = "auto";
  std::string memory_format = "auto";
  std::string prune = "none";
  double sparsity = 0.5;
  std::string prune_epochs = "1:1";
  std::string save_weights;  // HDF5 weights file of the one architecture (store/weights_file.h)
};

// "0.01" or "0:0.01,35:0.005" (0-based epoch: rate).
std::vector<train::LearningRateStep> parse_rates(const std::string& text) {
  std::vector<train::LearningRateStep> steps;
  std::stringstream in(text);
  std::string item;
  try {
    while (std::getline(in, item, ',')) {
      const auto colon = item.find(':');
      if (colon == std::string::npos)
        steps.push_back({0, std::stod(item)});
      else
        steps.push_back({std::stoi(item.substr(0, colon)), std::stod(item.substr(colon + 1))});
    }
  } catch (const std::exception&) {
    steps.clear();
  }
  if (steps.empty() || steps.front().from_epoch != 0)
    throw UsageError(fmt::format("--lr \"{}\": expected a rate, or epoch:rate pairs from epoch 0 (e.g. 0:0.01,35:0.005)", text));
  return steps;
}

train::PruningConfig parse_pruning(const TrainOptions& o) {
  train::PruningConfig p;
  p.structured = o.prune == "structured";
  if (std::sscanf(o.prune_epochs.c_str(), "%d:%d", &p.start_epoch, &p.finish_epoch) != 2 || p.start_epoch < 1 ||
      p.finish_epoch < p.start_epoch || p.finish_epoch > o.epochs)
    throw UsageError(fmt::format("--prune-epochs \"{}\": expected START:FINISH with 1 <= START <= FINISH <= --epochs", o.prune_epochs));
  return p;
}

Json figures_json(const resources::ResourceFigures& f) {
  return {{"pmu", f.peak_memory_bytes}, {"model_size", f.model_size_bytes}, {"macs", f.macs}};
}

void run_train(const TrainOptions& o) {
  const auto archs = arch::parse_architectures(read_text(o.file));
  if (!o.save_weights.empty() && archs.size() != 1)
    throw UsageError(fmt::format("--save-weights: {} holds {} architectures, the weights file takes one", o.file, archs.size()));
  train::TrainConfig config;
  config.optimizer.kind = o.optimizer;
  config.optimizer.momentum = o.momentum;
  config.optimizer.weight_decay = o.weight_decay;
  config.optimizer.schedule = parse_rates(o.rates);
  config.epochs = o.epochs;
  config.batch_size = o.batch;
  config.dropout = o.dropout;
  config.threads = o.threads;
  config.device = o.device;
  config.memory_format = o.memory_format;
  if (o.prune != "none") config.pruning = parse_pruning(o);
  const data::Dataset data = data::load_dataset(o.dataset.spec());
  spdlog::info("{}: {} train / {} validation / {} test examples, {} classes", data.name, data.train.size(),
               data.validation.size(), data.test.size(), data.num_classes);

  std::vector<Json> results;
  for (std::size_t k = 0; k < archs.size(); ++k) {
    config.on_epoch = [&, k](const train::EpochReport& r) {
      const double eta = r.seconds / r.epoch * (r.epochs - r.epoch);
      spdlog::info("architecture {}/{} epoch {}/{}: validation error {:.4f}{}, {} elapsed, ETA {}", k + 1, archs.size(),
                   r.epoch, r.epochs, r.val_error, r.sparsity > 0 ? fmt::format(", sparsity {:.3f}", r.sparsity) : "",
                   duration_text(r.seconds), duration_text(eta));
    };
    const resources::LayerGraph graph = resources::build_layer_graph(archs[k], data.input, data.num_classes);
    Json out;
    try {
      const train::TrainResult r = train::train_candidate(archs[k], data, config, o.seed, o.sparsity);
      if (!o.save_weights.empty()) {
        store::write_weights_file(o.save_weights, r.weights);
        spdlog::info("weights written to {} (unas export --arch ... --weights {} exports the model)", o.save_weights,
                     o.save_weights);
      }
      out = {{"val_error", r.val_error}, {"test_error", r.test_error}, {"val_curve", r.val_curve},
             {"train_seconds", r.train_seconds}, {"samples_per_second", r.samples_per_second}};
      out.update(figures_json(resources::measure_resources(graph)));
      if (config.pruning) {
        resources::ResourceOptions sparse;
        sparse.sparse = !config.pruning->structured;
        const auto pruned = resources::build_layer_graph(archs[k], data.input, data.num_classes, r.pruned);
        Json p = figures_json(resources::measure_resources(pruned, sparse));
        p["sparsity"] = r.final_sparsity;
        out["pruned"] = p;
      }
    } catch (const train::TrainingFailure& e) {
      spdlog::warn("architecture {}/{} failed: {}", k + 1, archs.size(), e.what());
      out = {{"failed", e.what()}};
    }
    results.push_back(std::move(out));
  }
  std::cout << "[";
  for (std::size_t k = 0; k < results.size(); ++k) std::cout << (k ? ",\n " : "\n ") << results[k].dump();
  std::cout << "\n]\n";
}

}  // namespace

void register_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train architectures from a JSON file and print their errors and resource figures");
  cmd->add_option("file", o->file, "JSON file with an architecture or an array of them ('-' for stdin)")->required();
  o->dataset.add_to(*cmd);
  cmd->add_option("--epochs", o->epochs, "Training epochs")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--batch", o->batch, "Batch size")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  cmd->add_option("--optimizer", o->optimizer, "sgdw or adamw (decoupled weight decay, as tfa)")
      ->check(CLI::IsMember({"sgdw", "adamw"}))->capture_default_str();
  cmd->add_option("--lr", o->rates, "Learning rate, or 0-based epoch:rate steps, e.g. 0:0.01,35:0.005")->capture_default_str();
  cmd->add_option("--momentum", o->momentum, "SGDW momentum")->capture_default_str();
  cmd->add_option("--weight-decay", o->weight_decay, "Decoupled weight decay per step")->capture_default_str();
  cmd->add_option("--dropout", o->dropout, "Dropout before every dense layer but the classifier")
      ->check(CLI::Range(0.0, 0.99))->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads")->check(CLI::Range(1, 1024))->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of initialisation, data order and augmentation")->capture_default_str();
  cmd->add_option("--device", o->device, "auto (the local rank's GPU if any), cpu, cuda:N")->capture_default_str();
  cmd->add_option("--memory-format", o->memory_format, "CPU memory format (auto picks the faster one measured here)")
      ->check(CLI::IsMember({"auto", "channels_last", "nchw"}))->capture_default_str();
  cmd->add_option("--prune", o->prune, "DPF pruning")->check(CLI::IsMember({"none", "structured", "unstructured"}))->capture_default_str();
  cmd->add_option("--sparsity", o->sparsity, "Target sparsity with --prune")->check(CLI::Range(0.0, 0.999))->capture_default_str();
  cmd->add_option("--prune-epochs", o->prune_epochs, "1-based START:FINISH epochs of the pruning schedule")->capture_default_str();
  cmd->add_option("--save-weights", o->save_weights,
                  "Write the trained weights to this HDF5 file, for `unas export --arch ... --weights` (one architecture)");
  cmd->fallthrough();
  cmd->callback([o] { run_train(*o); });
}

}  // namespace unas::cli
