#pragma once
// What a results file holds, as plain values. The HDF5 layout is in results_file.h.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace unas::store {

inline constexpr double kNoSparsity = std::numeric_limits<double>::quiet_NaN();

// Describes the run; written once, when the file is created.
struct RunInfo {
  std::string experiment_name;
  std::string experiment_toml;  // the resolved experiment (extends and --set applied)
  std::string config_digest;    // a resumed run must have the same
  std::string unas_version;
  std::string hostname;
  std::string started_at;       // ISO 8601, UTC
  std::uint64_t seed = 0;
  std::int64_t rounds = 0;
  int mpi_size = 1;
};

// A candidate handed to a trainer. Rows without a matching CandidateRecord were in flight
// when the run stopped, and are issued again, unchanged, on resume.
struct ProposalRecord {
  std::int64_t id = 0;
  std::int64_t parent_id = -1;
  std::string architecture;  // µNAS JSON
  double sparsity = kNoSparsity;
  std::uint64_t seed = 0;
  double issued_at = 0.0;    // Unix seconds
  std::string morphism;      // JSON (arch/morphism_json.h); "" for a random candidate
  std::int32_t redraws = 0;  // networks over max_macs drawn again before this one
  std::string stop_rungs = "[]";  // JSON [[epoch, max_error], ...]: the early-stopping thresholds it was sent
};

// A finished candidate.
struct CandidateRecord {
  std::int64_t id = 0;
  std::int64_t parent_id = -1;
  std::int32_t rank = 0;       // the MPI rank that trained it
  std::string outcome = "ok";  // "ok", "failed", or "stopped" (early stopping ended its training)
  std::string failure;         // the reason, when failed
  std::string architecture;    // µNAS JSON
  double sparsity = kNoSparsity;
  std::uint64_t seed = 0;
  double val_error = 1.0;
  double test_error = 1.0;
  std::int64_t pmu = 0, model_size = 0, macs = 0;                       // bytes, bytes, count
  std::int64_t pmu_pruned = 0, model_size_pruned = 0, macs_pruned = 0;  // equal to the above without pruning
  std::string val_curve = "[]";      // JSON array of the validation error after each epoch
  std::string pruned_layers = "{}";  // JSON {op: {"kept": n, "nonzero": n}}
  double train_seconds = 0.0;
  double issued_at = 0.0, finished_at = 0.0;  // Unix seconds
  std::string morphism;                // JSON; "" for a random candidate
  std::int64_t inherited_from = -1;    // the parent whose trained weights it started from
  std::int32_t epochs_trained = 0;
  double inherited_fraction = 0.0;     // of its parameters, taken from that parent
  std::int32_t stopped_at_epoch = 0;   // early stopping ended its training after this epoch
  double started_at = 0.0;             // Unix seconds, when its trainer took it (0: not recorded)
  std::string host;                    // where it trained: the trainer's host name
  std::string device;                  // and device: "cpu", "cuda:N"

  bool ok() const { return outcome == "ok"; }
  bool stopped() const { return outcome == "stopped"; }
};

// One start ("start") or orderly end ("stop": done, or stopped by a signal) of a process that
// writes the file as rank 0 of `unas run`. A start without a stop before the next start is a run
// that was killed.
struct SessionRecord {
  double at = 0.0;  // Unix seconds
  std::string event;
  std::int32_t mpi_size = 1;
  std::string host;  // rank 0's
};

// One model of a search's front retrained from scratch on the full schedule (`unas retrain`).
struct RetrainedRecord {
  std::int64_t id = 0;          // the candidate
  std::int32_t seed_index = 0;  // 0..K-1
  std::uint64_t seed = 0;
  std::int32_t rank = 0;
  std::string outcome = "ok";
  std::string failure;
  double val_error = 1.0;
  double test_error = 1.0;
  std::int64_t pmu = 0, model_size = 0, macs = 0;  // after pruning
  double train_seconds = 0.0;
  double finished_at = 0.0;

  bool ok() const { return outcome == "ok"; }
};

// One model exported to int8 C (`unas export`): its accuracy as int8 beside float, and its
// memory as planned and as measured on an emulated Cortex-M beside the resource model's figures.
struct ExportRecord {
  std::int64_t id = 0;  // the candidate
  std::string outcome = "ok";
  std::string failure;
  std::int64_t test_examples = 0;
  double float_accuracy = 0.0;  // the stored float weights on the test split
  double int8_accuracy = 0.0;   // the exported C model, built for the host, on the same examples
  std::int64_t pmu = 0, model_size = 0;  // predicted by the resource model (bytes)
  std::int64_t arena_bytes = 0;          // the planner's arena
  std::int64_t parameter_bytes = 0;      // int8 weights, int32 biases, requantisation constants
  std::int64_t flash_bytes = -1;         // on the target: text + data; -1 when not run there
  std::int64_t ram_bytes = -1;           // on the target: data + bss + measured stack
  std::int64_t stack_bytes = -1;
  std::int32_t target_match = -1;  // 1: the target's outputs equal the host's bit for bit, 0: not, -1: not run
  std::string target;              // "mps2-an385 (Cortex-M3, qemu)", or "" when not run
  std::string directory;           // where the sources were written
  double exported_at = 0.0;        // Unix seconds

  bool ok() const { return outcome == "ok"; }
};

struct ResultsContents {
  RunInfo info;
  std::vector<ProposalRecord> proposals;    // in issue order
  std::vector<CandidateRecord> candidates;  // in completion order
  std::vector<RetrainedRecord> retrained;   // in completion order
  std::vector<ExportRecord> exports;        // in export order (a later export of an id supersedes)
  std::vector<SessionRecord> sessions;      // in time order; none in files written before them
  std::vector<std::int64_t> with_weights;   // candidates whose weights are stored, ascending
};

}  // namespace unas::store
