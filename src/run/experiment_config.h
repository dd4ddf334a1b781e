#pragma once
// An experiment: one TOML file in experiments/, resolved in this order:
//   1. the file, over its `extends = "base.toml"` chain (tables merge key by key, the child wins);
//   2. a scale overlay, `--scale NAME` (experiments/scales/NAME.toml, or a path): the same
//      experiment at another size, recorded as `scale = "NAME"` (scale_overlay.h);
//   3. [training] epoch_scale = f, from any of the above: the schedule scaled in proportion,
//      epochs E -> max(1, round(E·f)), learning-rate step epochs e -> round(e·f), pruning epochs
//      [s, t] -> [round((s−1)·f) + 1, round(t·f)], kept ordered and within the epochs; the key
//      is removed, so the resolved experiment holds what is trained (epoch_scale.h);
//   4. `--set key.path=value` overrides, last (an epoch_scale set here scales what stands then).
// Every setting is checked before any work starts; a bad one is a ConfigError naming file, line
// and key.
//
//   name = "chars74k_ae_prune"          seed = 0            extends = "chars74k_ae.toml"
//   scale = "local"                     (set by --scale only; part of the digest)
//   [dataset]  kind, path, image_size = [48, 48], binary, split_seed,
//              max_train / max_validation / max_test (0 = all; else a class-balanced subset,
//              for smoke runs)
//   [search]   algorithm ("aging_evolution" | "random" | "bayesian_optimisation"), rounds,
//              initial_population (random starting candidates; AE: population, BO: 15);
//              aging evolution: population, sample; Bayesian optimisation: pool (candidates
//              scored per proposal), parents (best points whose children fill the pool),
//              random_share (of the pool drawn at random), threads (the master's, for
//              network distances; default: the CPUs it may use, at most 8);
//              inherit_weights (false): a child starts from its parent's trained weights
//              (train/weight_inheritance.h) and trains training.inherited_epochs;
//   [search.early_stopping]  rungs (epochs, before the last; scaled by epoch_scale), keep (the
//              share that goes on at a rung, 1/3), min_reports (8): successive halving, the
//              same share of the inherited schedule for children that inherit
//   [bounds]   error, peak_memory, model_size, macs (a missing or "none" bound drops that objective)
//   [training] optimizer ("sgdw" | "adamw"), momentum, weight_decay,
//              learning_rate = [[0, 0.01], [35, 0.005]], epochs, batch_size, dropout,
//              threads, memory_format, device, epoch_scale (step 3; not kept),
//              inherited_epochs (default half the epochs): the schedule of a child that
//              inherits weights, the whole schedule scaled into these epochs,
//              max_macs (0 = none): a compute cap for small machines (the local scale): the
//              search never proposes a network with more MACs (it draws again), and the trainer
//              records one it is sent anyway (from an older results file) as failed, untrained;
//              isolation ("process" | "none"): each candidate of a trainer rank trains in a
//              process of its own, so that its crash costs it alone (run/trainer_process.h);
//              timeout_seconds (none): such a process is killed then, its candidate failed;
//              memory_limit (none; "4GiB", "512MiB", ...): past it, its allocations fail
//   [pruning]  kind ("structured" | "unstructured"), sparsity = [min, max], epochs = [start, finish]
//   [simulate] mean_seconds, distribution ("fixed" | "uniform" | "exponential"), failure_rate:
//              trainers sleep instead of training (benchmarks, tests); gpus (0): trainers are
//              placed as if each node had that many GPUs (run/trainer_placement.h);
//              crash_rate, hang_rate, oom_rate: faults injected into the processes that train
//              (sleep or really train), common/fault_injection.h; they need isolation = "process",
//              hangs a timeout_seconds and OOMs a memory_limit
//   [run]      results (default results/<name>.h5, with a scale results/<name>.<scale>.h5),
//              grace_seconds, trainers_per_gpu (1): how many trainer ranks the launch puts on
//              each GPU, checked against the ranks each node has (run/trainer_placement.h)
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/load_dataset.h"
#include "common/fault_injection.h"
#include "search/search_algorithm.h"
#include "train/trainer.h"

namespace unas::run {

struct SimulatedTraining {
  double mean_seconds = 1.0;
  std::string distribution = "exponential";
  double failure_rate = 0.0;
  int gpus = 0;  // placement as if each node had this many GPUs; 0: the real ones
};

// [search.early_stopping]: asynchronous successive halving (search/successive_halving.h).
struct EarlyStopping {
  std::vector<int> rungs;            // epochs of the full schedule, 1-based, before its last
  std::vector<int> inherited_rungs;  // the same share of the inherited schedule
  double keep = 1.0 / 3.0;           // share of reports at a rung that goes on
  int min_reports = 8;               // no decision at a rung with fewer reports
};

struct ExperimentConfig {
  std::string name;
  std::string scale;  // "" unless --scale
  std::uint64_t seed = 0;
  data::DatasetSpec dataset;
  std::int64_t max_train = 0, max_validation = 0, max_test = 0;
  search::SearchSettings search;
  train::TrainConfig training;
  bool inherit_weights = false;
  train::TrainConfig inherited_training;  // `training` scaled into inherited_epochs
  std::optional<EarlyStopping> early_stopping;
  std::int64_t max_macs = 0;  // candidates over it are not trained (0: all are)
  std::optional<SimulatedTraining> simulate;
  bool isolate_trainers = true;                   // [training] isolation = "process"
  std::optional<double> timeout_seconds;          // of a candidate's process
  std::optional<std::int64_t> memory_limit_bytes;  // of a candidate's process
  InjectedFaults faults;
  std::filesystem::path results;
  double grace_seconds = 60.0;  // after SIGTERM/SIGUSR1, how long running candidates may finish
  int trainers_per_gpu = 1;      // [run]: trainer ranks meant to share each GPU

  std::string resolved_toml;  // the whole experiment after extends and overrides
  std::string digest;         // of resolved_toml without [run]: a resumed run must match
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads, merges, scales, overrides and checks an experiment. Does not touch the data set.
// `scale`: "" (none), a name in experiments/scales/, or an overlay file.
ExperimentConfig load_experiment(const std::filesystem::path& file, const std::vector<std::string>& overrides = {},
                                 const std::string& scale = {});

// An experiment as load_experiment resolved it (a results file's experiment_toml), read and
// checked again; `origin` names it in errors, `name` is used where it sets none.
ExperimentConfig load_resolved_experiment(const std::string& toml_text, const std::string& origin, const std::string& name);

// The checks that look outside the file: results can be written where they go, the data set's
// files exist. Throws ConfigError.
void check_environment(const ExperimentConfig& config);

}  // namespace unas::run
