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
#include "search/candidate.h"

namespace unas::search {

struct SparsityRange {
  double min = 0.0;
  double max = 0.0;
};

struct SearchSettings {
  std::string algorithm = "aging_evolution";  // or "random"
  std::int64_t rounds = 2000;
  std::int64_t population = 100;
  std::int64_t sample = 25;
  std::int64_t initial_population = 100;
  Bounds bounds;
  std::optional<SparsityRange> sparsity;  // set when the experiment prunes
  std::uint64_t seed = 0;
};

class SearchAlgorithm {
 public:
  virtual ~SearchAlgorithm() = default;
  virtual Candidate propose(std::int64_t id) = 0;
  virtual void observe(const Evaluated& result) = 0;
};

std::unique_ptr<SearchAlgorithm> make_search_algorithm(const SearchSettings& settings);

// Training seed of candidate `id`.
std::uint64_t training_seed(const SearchSettings& settings, std::int64_t id);

}  // namespace unas::search
