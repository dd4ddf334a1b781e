#pragma once
// Trains one candidate architecture and reports what the search needs: validation error (the
// best after pruning ended, or over all epochs), test error, the validation curve, timings and,
// with pruning, what survived.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/architecture.h"
#include "common/stop_rung.h"
#include "data/dataset.h"
#include "resources/build_layer_graph.h"
#include "train/dpf_pruner.h"
#include "train/optimizer.h"
#include "train/weight_inheritance.h"

namespace unas::train {

// What the trainer reports after each epoch, for progress lines.
struct EpochReport {
  int epoch = 0;  // 1-based
  int epochs = 0;
  double val_error = 1.0;
  double sparsity = 0.0;
  double seconds = 0.0;  // since training started
};

struct TrainConfig {
  OptimizerConfig optimizer;
  int epochs = 1;
  int batch_size = 128;
  double dropout = 0.0;
  int threads = 1;  // CPU threads of this process
  std::optional<PruningConfig> pruning;
  std::string device = "auto";  // "auto" (GPU of the local rank if any), "cpu", "cuda:N"
  // CPU memory format: "auto", "channels_last" or "nchw". Measured here (bench/train_bench.sh):
  // channels-last is faster at one thread for every reference candidate, and at two threads
  // for all but the tiny one (< 1 M MACs), where NCHW won by ~1.3x; "auto" follows that.
  std::string memory_format = "auto";
  std::function<void(const EpochReport&)> on_epoch;  // optional
  // Early stopping: after a rung's epoch, a validation error above its threshold ends training.
  std::vector<StopRung> stop_rungs;
};

struct TrainResult {
  double val_error = 1.0;
  double test_error = 1.0;
  std::vector<double> val_curve;  // validation error after each epoch
  double train_seconds = 0.0;
  double samples_per_second = 0.0;
  double final_sparsity = 0.0;
  resources::PrunedLayers pruned;  // empty without pruning
  int stopped_at_epoch = 0;        // early stopping ended training after this epoch (0: it did not)
  Weights weights;                 // the final weights (masked where pruning removed them); none when stopped
  std::optional<InheritanceReport> inheritance;  // what the child took from its parent
};

// A candidate that could not be trained (NaN/inf loss, out of memory, any library error).
class TrainingFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Deterministic for a given seed on the CPU with one thread. `target_sparsity` is used only
// when the config has pruning. With `inheritance`, the model starts from the parent's weights
// (weight_inheritance.h) and trains `config`'s schedule, which the caller shortens.
// Throws TrainingFailure with the reason.
TrainResult train_candidate(const arch::Architecture& arch, const data::Dataset& data, const TrainConfig& config,
                            std::uint64_t seed, double target_sparsity = 0.0, const Inheritance* inheritance = nullptr);

// The model train_candidate starts from, on the CPU: seeded fresh initialisation, then the
// parent's weights when `inheritance` is given (`report` receives what was taken).
CandidateModel initial_model(const resources::LayerGraph& graph, const arch::Architecture& arch, double dropout,
                             std::uint64_t seed, const Inheritance* inheritance, std::optional<InheritanceReport>* report);

}  // namespace unas::train
