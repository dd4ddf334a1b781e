#include "search/random_search.h"

#include <stdexcept>

#include "search/aging_evolution.h"
#include "search/bayesian_optimisation.h"

namespace unas::search {

Candidate RandomSearch::propose(std::int64_t id) {
  Rng rng(derive_seed(settings_.seed, static_cast<std::uint64_t>(id), "propose"));
  return random_candidate(settings_, id, rng);
}

std::unique_ptr<SearchAlgorithm> make_search_algorithm(const SearchSettings& settings) {
  if (settings.algorithm == "aging_evolution") return std::make_unique<AgingEvolution>(settings);
  if (settings.algorithm == "random") return std::make_unique<RandomSearch>(settings);
  if (settings.algorithm == "bayesian_optimisation") return std::make_unique<BayesianOptimisation>(settings);
  throw std::invalid_argument("unknown search algorithm \"" + settings.algorithm +
                              "\" (aging_evolution, random, bayesian_optimisation)");
}

}  // namespace unas::search
