#pragma once
// A search algorithm as the orchestrator sees it: asked for a candidate whenever a worker is
// free, told about each one that finished, in any order. No I/O, no training, no MPI: the
// algorithm never knows how a candidate is evaluated.
//
// Randomness: propose() draws from a stream derived from (experiment seed, candidate id), so a
// run resumed from its results file repeats what the first run would have done, given the same
// results in the same order, without saving any random state.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/rng.h"
#include "resources/layer_graph.h"
#include "search/candidate.h"

namespace unas::search {

struct SparsityRange {
  double min = 0.0;
  double max = 0.0;
};

// Bayesian optimisation's own settings.
struct BayesOptSettings {
  std::int64_t pool = 1000;   // candidates scored per proposal
  std::int64_t parents = 10;  // best points (under the round's scalarisation) whose children fill the pool
  double random_share = 0.2;  // of the pool drawn at random from the whole space
  std::int64_t scored = 32;   // best screened candidates scored with the GP at their own distances
  int threads = 1;            // for network distances
};

struct SearchSettings {
  std::string algorithm = "aging_evolution";  // or "random", "bayesian_optimisation"
  std::int64_t rounds = 2000;
  std::int64_t population = 100;
  std::int64_t sample = 25;
  std::int64_t initial_population = 100;  // random candidates first (BO: its starting points)
  Bounds bounds;
  std::optional<SparsityRange> sparsity;  // set when the experiment prunes
  bool unstructured = false;              // pruning removes single weights: only model size shrinks
  std::uint64_t seed = 0;
  // The task, for algorithms that compute resources of candidates before proposing them.
  resources::TensorShape input{28, 28, 1};
  int num_classes = 10;
  // Networks with more MACs are never proposed (0: no cap): they would not be trained.
  std::int64_t max_macs = 0;
  BayesOptSettings bayes_opt;
};

class SearchAlgorithm {
 public:
  virtual ~SearchAlgorithm() = default;
  virtual Candidate propose(std::int64_t id) = 0;
  virtual void observe(const Evaluated& result) = 0;
  // A candidate proposed by an earlier run of this experiment and still being trained: a
  // resumed run tells the algorithm about it after replaying the finished ones.
  virtual void resume_pending(const Candidate&) {}
};

std::unique_ptr<SearchAlgorithm> make_search_algorithm(const SearchSettings& settings);

// Training seed of candidate `id`.
std::uint64_t training_seed(const SearchSettings& settings, std::int64_t id);

}  // namespace unas::search
