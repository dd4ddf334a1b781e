#pragma once
// Evaluates candidates on one rank: trains them (or, with [simulate], sleeps a drawn duration
// and makes up an error that falls with the network's capacity) and measures their resources
// before and after pruning. A child sent with its parent's weights starts from them and trains
// the inherited schedule. A candidate over [training] max_macs fails without training. The
// data set is loaded on first use and kept.
#include <optional>

#include "data/dataset.h"
#include "resources/layer_graph.h"
#include "run/evaluation.h"
#include "run/experiment_config.h"

namespace unas::run {

// Final weights of more values than this (64 MB) are not kept: such a network is far over every
// bound of the paper's, and a search keeping them could fill a disk.
inline constexpr std::size_t kMaxKeptWeights = 16'000'000;

class CandidateEvaluator {
 public:
  explicit CandidateEvaluator(const ExperimentConfig& config);
  // Never throws for a bad candidate: anything its training throws becomes a failed result.
  // Throws DataError if the data set cannot be loaded.
  EvaluationResult evaluate(const EvaluationRequest& request, int rank);
  // What is known before training: the resource figures, and the refusal of a network over
  // max_macs (then `failure` is set).
  EvaluationResult prepare(const EvaluationRequest& request, int rank) const {
    return prepare(request, rank, graph_of(request));
  }

 private:
  resources::LayerGraph graph_of(const EvaluationRequest& request) const;
  EvaluationResult prepare(const EvaluationRequest& request, int rank, const resources::LayerGraph& graph) const;
  const data::Dataset& dataset();
  EvaluationResult simulate(const search::Candidate& candidate, const train::Inheritance* inheritance,
                            const train::TrainConfig& schedule, const resources::LayerGraph& graph, EvaluationResult result);

  const ExperimentConfig& config_;
  std::optional<data::Dataset> dataset_;
};

}  // namespace unas::run
