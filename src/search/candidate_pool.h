#pragma once
// Bayesian optimisation's candidates for one proposal, with their resource objectives computed
// before any training: children of the best points so far (one random morphism each, sparsity
// inherited as in aging evolution) and fresh random networks.
//
// Pruned resources are estimated, since training decides which channels go: structured pruning
// at sparsity s keeps round((1 − s)·C) channels of every prunable layer; unstructured pruning
// keeps (1 − s) of every prunable layer's weights. The classifier and depthwise layers keep
// theirs, as the pruner does.
#include <vector>

#include "search/candidate.h"
#include "search/search_algorithm.h"

namespace unas::search {

// Objectives of a candidate with the error left out (1.0), after the estimated pruning.
Objectives estimated_resources(const Candidate& candidate, const SearchSettings& settings);

// `parents` best first. Candidates that repeat one another or any of `exclude` (by
// architecture and sparsity) are dropped, so the pool may come out a little smaller.
std::vector<Candidate> candidate_pool(const std::vector<const Evaluated*>& parents, const SearchSettings& settings,
                                      std::int64_t id, Rng& rng, const std::vector<const Candidate*>& exclude);

}  // namespace unas::search
