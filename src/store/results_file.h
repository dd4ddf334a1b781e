#pragma once
// One HDF5 file per experiment, the single source of truth of a run, readable by h5py alone:
//   /               attributes: schema_version, experiment_name, experiment_toml, config_digest,
//                   unas_version, hostname, started_at, seed, rounds, mpi_size
//   /proposals      rows: id, parent_id, architecture, sparsity, seed, issued_at
//   /candidates     rows: id, parent_id, rank, outcome, failure, architecture, sparsity, seed,
//                   val_error, test_error, pmu, model_size, macs, pmu_pruned,
//                   model_size_pruned, macs_pruned, val_curve, pruned_layers, train_seconds,
//                   issued_at, finished_at
// Strings are fixed-length (h5py gives bytes: .decode()), JSON where structured.
//
// Crash safety: the file is written in HDF5's single-writer/multiple-reader (SWMR) mode, which
// orders metadata writes so that the file stays readable whenever the writer dies, and each row
// is flushed as it is appended. Killing the writer at any moment loses at most the row being
// written. Reopening runs the recovery h5clear would (clear the "open for writing" flag, fix the
// end of allocation); readers open in SWMR mode, so a file being written can be read.
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "store/records.h"

namespace unas::store {

inline constexpr int kSchemaVersion = 1;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ResultsFile {
 public:
  // A new file; throws StoreError if one exists at `path`.
  static ResultsFile create(const std::filesystem::path& path, const RunInfo& info);
  // An existing file, recovered if its writer died, ready to append to.
  static ResultsFile reopen(const std::filesystem::path& path);
  // Everything in a file, whether finished, still being written, or left by a crash.
  static ResultsContents read(const std::filesystem::path& path);

  ResultsFile(ResultsFile&&) noexcept;
  ResultsFile& operator=(ResultsFile&&) noexcept;
  ~ResultsFile();

  void append(const ProposalRecord& record);   // flushed before it returns
  void append(const CandidateRecord& record);  // flushed before it returns
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Handles;
  ResultsFile(std::filesystem::path path, std::unique_ptr<Handles> handles);
  std::filesystem::path path_;
  std::unique_ptr<Handles> handles_;
};

}  // namespace unas::store
