#include "cli/export_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "arch/json_io.h"
#include "cli/dataset_options.h"
#include "cli/errors.h"
#include "cli/input_shape.h"
#include "common/version.h"
#include "common/wall_clock.h"
#include "data/load_dataset.h"
#include "deploy/export_model.h"
#include "deploy/quantised_model.h"
#include "resources/build_layer_graph.h"
#include "run/experiment_config.h"
#include "run/experiment_dataset.h"
#include "run/retrainer.h"
#include "store/results_file.h"
#include "store/weights_file.h"

namespace unas::cli {

namespace fs = std::filesystem;

namespace {

struct ExportCommandOptions {
  std::string results;
  std::string arch, weights;  // a model trained outside a search, on `dataset`
  DatasetOptions dataset;
  std::vector<std::int64_t> ids;
  bool front = false;
  std::string out;
  std::int64_t calibration = 300;
  int check_inputs = 8;
  bool no_target = false;
  bool no_record = false;
};

std::string percent(double fraction) { return fmt::format("{:.2f} %", 100.0 * fraction); }

void print_report(std::int64_t id, const deploy::ExportReport& r, const fs::path& dir) {
  std::cout << (id >= 0 ? fmt::format("candidate {} -> {}\n", id, dir.string()) : fmt::format("-> {}\n", dir.string()));
  std::cout << fmt::format("  accuracy on {} test examples: float {}, int8 {} ({} of predictions agree)\n",
                           r.test_examples, percent(r.float_accuracy), percent(r.int8_accuracy), percent(r.agreement));
  std::cout << fmt::format("  arena {} B (PMU {} B); parameters {} B: {} B int8 weights, {} B int32 biases, {} B "
                           "requantisation (model size {} B)\n",
                           r.arena_bytes, r.pmu, r.parameter_bytes(), r.weight_bytes, r.bias_bytes, r.multiplier_bytes,
                           r.model_size);
  if (!r.target) {
    std::cout << "  target: skipped, " << r.target_skipped << "\n";
    return;
  }
  const deploy::TargetReport& t = *r.target;
  std::cout << fmt::format("  {}: the model takes {} B of flash and {} B of RAM ({} B static + {} B stack); outputs "
                           "{} the host's ({:.1f} s in qemu; whole check firmware: text {} B, data {} B, bss {} B)\n",
                           t.board, t.flash_bytes(), t.ram_bytes(), t.model_static_ram, t.stack_bytes,
                           t.outputs_match ? "equal" : "DIFFER FROM", t.seconds, t.firmware_text, t.firmware_data,
                           t.firmware_bss);
}

store::ExportRecord record_of(std::int64_t id, const deploy::ExportReport& r, const fs::path& dir) {
  store::ExportRecord e;
  e.id = id;
  e.test_examples = r.test_examples;
  e.float_accuracy = r.float_accuracy;
  e.int8_accuracy = r.int8_accuracy;
  e.pmu = r.pmu;
  e.model_size = r.model_size;
  e.arena_bytes = r.arena_bytes;
  e.parameter_bytes = r.parameter_bytes();
  if (r.target) {
    e.flash_bytes = r.target->flash_bytes();
    e.ram_bytes = r.target->ram_bytes();
    e.stack_bytes = r.target->stack_bytes;
    e.target_match = r.target->outputs_match ? 1 : 0;
    e.target = r.target->board;
  }
  e.directory = fs::absolute(dir).string();
  e.exported_at = unix_now();
  return e;
}

// Exports one model and prints its report; a failed step is a failed record, not an exception.
store::ExportRecord export_one(std::int64_t id, const resources::LayerGraph& graph, const Weights& weights,
                               const data::Dataset& dataset, const deploy::ExportOptions& options) {
  store::ExportRecord row;
  try {
    const deploy::ExportReport report = deploy::export_model(graph, weights, dataset, options);
    print_report(id, report, options.out_dir);
    row = record_of(id, report, options.out_dir);
  } catch (const deploy::ExportError& e) {
    std::cerr << fmt::format("unas: export failed: {}\n", e.what());
    row.id = id;
    row.outcome = "failed";
    row.failure = e.what();
    row.directory = fs::absolute(options.out_dir).string();
    row.exported_at = unix_now();
  }
  return row;
}

bool succeeded(const store::ExportRecord& row) { return row.ok() && row.target_match != 0; }

deploy::ExportOptions export_options(const ExportCommandOptions& o, const fs::path& dir) {
  deploy::ExportOptions options;
  options.out_dir = dir;
  options.calibration_inputs = o.calibration;
  options.check_inputs = o.check_inputs;
  options.run_target = !o.no_target;
  return options;
}

// `unas export --arch A.json --weights W.h5 --dataset ... --path ...`: a model trained elsewhere.
int export_file_model(const ExportCommandOptions& o) {
  if (o.weights.empty() || o.dataset.kind.empty() || o.dataset.path.empty())
    throw UsageError("--arch needs --weights, --dataset and --path");
  const auto archs = arch::parse_architectures(read_text(o.arch));
  if (archs.size() != 1) throw UsageError(fmt::format("--arch: {} holds {} architectures, export takes one", o.arch, archs.size()));
  Weights weights;
  try {
    weights = store::read_weights_file(o.weights);
  } catch (const store::StoreError& e) {
    throw UsageError(e.what());
  }
  const data::Dataset dataset = data::load_dataset(o.dataset.spec());
  const resources::LayerGraph graph = resources::build_layer_graph(archs[0], dataset.input, dataset.num_classes);
  deploy::ExportOptions options = export_options(o, o.out);
  options.provenance = fmt::format("{} with weights {}, unas {}", fs::path(o.arch).filename().string(),
                                   fs::path(o.weights).filename().string(), kVersion);
  return succeeded(export_one(-1, graph, weights, dataset, options)) ? 0 : kExitFailure;
}

const store::CandidateRecord& candidate(const store::ResultsContents& c, std::int64_t id, const std::string& path) {
  for (const store::CandidateRecord& r : c.candidates)
    if (r.id == id) {
      if (!r.ok()) throw UsageError(fmt::format("{}: candidate {} has no trained model (outcome {})", path, id, r.outcome));
      return r;
    }
  throw UsageError(fmt::format("{}: no candidate {}", path, id));
}

int export_models(const ExportCommandOptions& o) {
  if (!o.arch.empty()) return export_file_model(o);
  if (o.results.empty()) throw UsageError("give a results file (with --id N or --front), or --arch with --weights");
  store::ResultsContents contents;
  run::ExperimentConfig config;
  try {
    contents = store::ResultsFile::read(o.results);
    config = run::load_resolved_experiment(contents.info.experiment_toml, o.results, contents.info.experiment_name);
  } catch (const store::StoreError& e) {
    throw UsageError(e.what());
  } catch (const run::ConfigError& e) {
    throw UsageError(e.what());
  }
  std::vector<std::int64_t> ids = o.ids;
  if (o.front) ids = run::models_to_retrain(contents.candidates, config.search.bounds, 3);
  if (ids.empty()) throw UsageError("nothing to export: give --id N or --front");
  for (std::int64_t id : ids) {  // every id checked before the data set loads
    candidate(contents, id, o.results);
    if (std::find(contents.with_weights.begin(), contents.with_weights.end(), id) == contents.with_weights.end())
      throw UsageError(fmt::format("{}: candidate {} has no stored weights (a file kept without them, or a network "
                                   "too large to keep)", o.results, id));
  }
  const data::Dataset dataset = run::load_experiment_dataset(config);
  const int classes = data::dataset_classes(config.dataset);
  int failures = 0;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::int64_t id = ids[k];
    spdlog::info("exporting candidate {} ({} of {}): calibrate, quantise, build, test on {} examples{}", id, k + 1,
                 ids.size(), dataset.test.size(), o.no_target ? "" : ", run on the emulated Cortex-M");
    const store::CandidateRecord& record = candidate(contents, id, o.results);
    const std::optional<Weights> weights = store::ResultsFile::read_weights(o.results, id);
    const fs::path dir = ids.size() > 1 || o.front ? fs::path(o.out) / fmt::format("candidate_{}", id) : fs::path(o.out);
    deploy::ExportOptions options = export_options(o, dir);
    options.seed = record.seed;
    options.provenance = fmt::format("candidate {} of {} (experiment {}), unas {}", id, fs::path(o.results).filename().string(),
                                     contents.info.experiment_name, kVersion);
    if (record.pruned_layers != "{}")
      spdlog::warn("candidate {} was pruned: its zeroed weights are exported as zeros (dense), so flash is that of the "
                   "unpruned shape", id);
    const resources::LayerGraph graph =
        resources::build_layer_graph(arch::parse_architectures(record.architecture).at(0), dataset.input, classes);
    const store::ExportRecord row = export_one(id, graph, weights.value(), dataset, options);
    failures += !succeeded(row);
    if (!o.no_record) store::ResultsFile::reopen(o.results).append(row);
  }
  return failures == 0 ? 0 : kExitFailure;
}

}  // namespace

void register_export_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ExportCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Export models of a results file as int8 C99 sources (batch norm folded, per-channel weights, one planned arena), "
      "report their int8 accuracy on the test split beside float, and run them on an emulated Cortex-M (qemu "
      "mps2-an385) to check its outputs equal the host's bit for bit and to measure flash and RAM; each export is "
      "recorded in the file's /exports table. Exit 0: all exported and equal; 1: a model failed; 2: bad input");
  cmd->add_option("results", o->results, "results/NAME.h5 of a search")->check(CLI::ExistingFile);
  auto* id = cmd->add_option("--id", o->ids, "Candidates to export (repeatable, or comma-separated)")->delimiter(',');
  cmd->add_flag("--front", o->front, "Export the models on the front within the bounds (those `unas retrain` retrains)")
      ->excludes(id);
  cmd->add_option("--out", o->out, "Folder for the sources (one sub-folder candidate_N per model when several)")->required();
  cmd->add_option("--calibration", o->calibration, "Training inputs the activation ranges are calibrated on")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--check-inputs", o->check_inputs, "Test inputs run on both the host and the target and compared")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_flag("--no-target", o->no_target, "Skip the emulated Cortex-M");
  auto* arch = cmd->add_option("--arch", o->arch, "Instead of a results file: a JSON file with one architecture ...")
                   ->check(CLI::ExistingFile);
  cmd->add_option("--weights", o->weights, "... its weights (HDF5, one dataset per tensor: `unas train --save-weights`) ...")
      ->needs(arch)
      ->check(CLI::ExistingFile);
  o->dataset.add_to(*cmd, false);  // ... and the data set it was trained on
  cmd->add_flag("--no-record", o->no_record, "Do not append to the results file's /exports table");
  cmd->callback([o, &exit_code] { exit_code = export_models(*o); });
}

}  // namespace unas::cli
