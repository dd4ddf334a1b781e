#pragma once
// Rank 0: proposes candidates whenever a trainer is free, records every proposal and result in
// the results file as it happens, and logs progress. Starts fresh, or resumes from the results
// file alone: finished candidates are replayed into the search, candidates that were in flight
// are issued again unchanged, and ids continue, so the run ends with exactly `rounds` rows.
#include "run/experiment_config.h"
#include "run/worker_pool.h"

namespace unas::run {

struct MasterOptions {
  bool must_resume = false;  // --resume: the results file has to exist
  int mpi_size = 1;
};

// Returns the exit code: 0 when all rounds are done, kExitRequeue when a signal stopped it.
int run_master(const ExperimentConfig& config, WorkerPool& pool, const MasterOptions& options);

}  // namespace unas::run
