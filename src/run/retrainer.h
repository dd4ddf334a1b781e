#pragma once
// `unas retrain`: the models a search found, trained again from scratch on the experiment's full
// schedule with K fresh seeds. Search-time errors of children that inherited weights or trained
// a shortened schedule are not those of the full schedule; retraining the front is how a
// paper's tables stay honest (and, with K seeds, shows the spread).
//
// Rank 0 hands (model, seed) jobs to free trainers, like run_master hands candidates, and
// appends one /retrained row per finished job, flushed; a restarted retrain skips the jobs the
// file already holds, so it resumes after a kill or a stop signal like `unas run`.
#include <cstdint>
#include <vector>

#include "run/experiment_config.h"
#include "run/worker_pool.h"
#include "search/objectives.h"
#include "store/records.h"

namespace unas::run {

struct RetrainOptions {
  int seeds = 3;
  int top = 3;                    // models, when no candidate is within the bounds
  std::vector<std::int64_t> ids;  // these models instead of the front
};

// The ids of the ok candidates on the Pareto front of those within the bounds, by error; when
// none is within the bounds, the `top` nearest to them (smallest largest objective/bound ratio)
// and the most accurate one (what the paper's tables show then).
std::vector<std::int64_t> models_to_retrain(const std::vector<store::CandidateRecord>& candidates,
                                            const search::Bounds& bounds, int top);

// The training seed of model `id`'s retraining number `seed_index`.
std::uint64_t retrain_seed(std::uint64_t candidate_seed, int seed_index);

// The models `options` asks to retrain (its ids, or models_to_retrain), and how many of their
// K runs each the file does not hold yet.
struct RetrainPlan {
  std::vector<std::int64_t> ids;
  std::size_t runs = 0, left = 0;
};
RetrainPlan plan_retrain(const store::ResultsContents& contents, const search::Bounds& bounds,
                         const RetrainOptions& options);

// Returns the exit code: 0 when every job is recorded, kExitRequeue when a signal stopped it.
// `config.results` is the file to read the models from and append to. Throws ConfigError for
// an unknown or failed model in `options.ids`.
int run_retrain(const ExperimentConfig& config, WorkerPool& pool, const RetrainOptions& options);

}  // namespace unas::run
