#pragma once
// One HDF5 file per experiment, the single source of truth of a run, readable by h5py alone:
//   /               attributes: schema_version, experiment_name, experiment_toml, config_digest,
//                   unas_version, hostname, started_at, seed, rounds, mpi_size
//   /proposals      rows: id, parent_id, architecture, sparsity, seed, issued_at, morphism, redraws,
//                   stop_rungs
//   /candidates     rows: id, parent_id, rank, outcome, failure, architecture, sparsity, seed,
//                   val_error, test_error, pmu, model_size, macs, pmu_pruned,
//                   model_size_pruned, macs_pruned, val_curve, pruned_layers, train_seconds,
//                   issued_at, finished_at, morphism, inherited_from, epochs_trained,
//                   inherited_fraction, stopped_at_epoch, started_at, host, device
//   /weights        float32, every stored candidate's tensors end to end
//   /weight_index   rows: id, offset, count, tensors (JSON [[name, shape], ...]): a candidate's
//                   weights are /weights[offset:offset+count], split in that order
//   /retrained      rows: id, seed_index, seed, rank, outcome, failure, val_error, test_error,
//                   pmu, model_size, macs, train_seconds, finished_at
//   /exports        rows: id, outcome, failure, test_examples, float_accuracy, int8_accuracy, pmu,
//                   model_size, arena_bytes, parameter_bytes, flash_bytes, ram_bytes, stack_bytes,
//                   target_match, target, directory, exported_at (`unas export`; added to an older
//                   file by its first export, so a file without it is still schema 2)
//   /sessions       rows: at, event ("start" | "stop"), mpi_size, host: each start and orderly end of
//                   `unas run` (added to an older file on reopen; the /candidates rows of such a file
//                   stay without started_at, host and device, which read as 0 and "")
// Strings are fixed-length (h5py gives bytes: .decode()), JSON where structured.
//
// Crash safety: the file is written in HDF5's single-writer/multiple-reader (SWMR) mode, which
// orders metadata writes so that the file stays readable whenever the writer dies, and each row
// is flushed as it is appended. Killing the writer at any moment loses at most the row being
// written. A candidate's weights are appended before its row, so every recorded candidate that
// had weights has them; weights of a candidate whose row never came are ignored (the last
// stored weights of an id count). Reopening runs the recovery h5clear would (clear the "open
// for writing" flag, fix the end of allocation); readers open in SWMR mode, so a file being
// written can be read.
// Disk trouble stops the run with one line and loses nothing acknowledged: a write that fails
// (disk full, quota, I/O error) names the system's reason, and the rows before it stay readable
// for the resume; a file deleted or replaced under the running writer, whose later rows would go
// where nobody can open them, is put back (or beside the new one, as .recovered) from the still
// open file before the run stops.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "common/weights.h"
#include "store/records.h"
#include "store/store_error.h"

namespace unas::store {

// 2: morphisms, weight inheritance columns, /weights, /weight_index, /retrained.
inline constexpr int kSchemaVersion = 2;

class ResultsFile {
 public:
  // A new file; throws StoreError if one exists at `path`.
  static ResultsFile create(const std::filesystem::path& path, const RunInfo& info);
  // An existing file, recovered if its writer died, ready to append to.
  static ResultsFile reopen(const std::filesystem::path& path);
  // Everything in a file but the weights, whether finished, still being written, or left by a crash.
  static ResultsContents read(const std::filesystem::path& path);
  // The stored weights of candidate `id`, if any.
  static std::optional<Weights> read_weights(const std::filesystem::path& path, std::int64_t id);

  ResultsFile(ResultsFile&&) noexcept;
  ResultsFile& operator=(ResultsFile&&) noexcept;
  ~ResultsFile();

  // Each is flushed before it returns.
  void append(const ProposalRecord& record);
  void append(const CandidateRecord& record);
  void append(const RetrainedRecord& record);
  void append(const ExportRecord& record);
  void append(const SessionRecord& record);
  void append_weights(std::int64_t id, const Weights& weights);

  // Weights stored by this or an earlier run of the file.
  std::optional<Weights> weights(std::int64_t id) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Handles;
  struct StoredWeights {
    std::int64_t offset = 0, count = 0;
    std::string manifest;
  };
  ResultsFile(std::filesystem::path path, std::unique_ptr<Handles> handles);
  // Checks that the file is still the one at path_, then runs `write`, naming what to do if it fails.
  void write_checked(const std::function<void()>& write);
  void check_still_at_path();
  std::filesystem::path path_;
  std::unique_ptr<Handles> handles_;
  std::map<std::int64_t, StoredWeights> stored_;  // the last weights stored per id
};

}  // namespace unas::store
