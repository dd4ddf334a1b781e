#pragma once
// Aging evolution (Real et al., as µNAS uses it): a population of the last P successful
// candidates; each proposal samples S members with replacement, keeps the best under a freshly
// drawn scalarisation, and applies one random morphism. The first `initial_population`
// candidates are random. With pruning, a child inherits its parent's sparsity plus N(0, 0.05),
// clipped to the range; random candidates draw it uniformly.
#include <deque>

#include "search/search_algorithm.h"

namespace unas::search {

class AgingEvolution : public SearchAlgorithm {
 public:
  explicit AgingEvolution(SearchSettings settings);
  Candidate propose(std::int64_t id) override;
  void observe(const Evaluated& result) override;

  const std::deque<Evaluated>& population() const { return population_; }

 private:
  SearchSettings settings_;
  std::deque<Evaluated> population_;  // oldest first
};

// A random candidate of the search space (with a uniform sparsity when pruning), drawn again
// while it has more MACs than settings.max_macs.
Candidate random_candidate(const SearchSettings& settings, std::int64_t id, Rng& rng);

// A child of `parent` by one random morphism; with pruning it inherits the parent's sparsity
// plus N(0, 0.05), clipped to the range. A child over settings.max_macs is replaced by another
// morphism; a parent with no child under the cap in 100 draws gives way to a random candidate.
Candidate child_candidate(const Candidate& parent, const SearchSettings& settings, std::int64_t id, Rng& rng);

}  // namespace unas::search
