#pragma once
// Evaluates candidates on one rank: trains them (or, with [simulate], sleeps a drawn duration
// and makes up an error that falls with the network's capacity) and measures their resources
// before and after pruning. A candidate over [training] max_macs fails without training. The
// data set is loaded on first use and kept.
#include <optional>

#include "data/dataset.h"
#include "run/evaluation.h"
#include "run/experiment_config.h"

namespace unas::run {

class CandidateEvaluator {
 public:
  explicit CandidateEvaluator(const ExperimentConfig& config);
  // Never throws for a bad candidate: anything its training throws becomes a failed result.
  // Throws DataError if the data set cannot be loaded.
  EvaluationResult evaluate(const search::Candidate& candidate, int rank);

 private:
  const data::Dataset& dataset();
  EvaluationResult simulate(const search::Candidate& candidate, EvaluationResult result);

  const ExperimentConfig& config_;
  std::optional<data::Dataset> dataset_;
};

}  // namespace unas::run
