#include "search/aging_evolution.h"

#include <algorithm>

#include "arch/morphism.h"
#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "resources/macs.h"
#include "search/scalarisation.h"

namespace unas::search {

namespace {

// The cap is on the network as proposed (before pruning), as the trainer applies it; its MACs
// are exact and cheap, so a proposal that could not be trained costs no round.
bool over_cap(const arch::Architecture& a, const SearchSettings& settings) {
  return settings.max_macs > 0 &&
         resources::macs(resources::build_layer_graph(a, settings.input, settings.num_classes)) > settings.max_macs;
}

constexpr int kRandomDraws = 10'000;  // a random network is under 1 M MACs about half the time
constexpr int kChildDraws = 100;

}  // namespace

std::uint64_t training_seed(const SearchSettings& settings, std::int64_t id) {
  return derive_seed(settings.seed, static_cast<std::uint64_t>(id), "train");
}

Candidate random_candidate(const SearchSettings& settings, std::int64_t id, Rng& rng) {
  Candidate c;
  c.id = id;
  c.architecture = arch::random_architecture(rng);
  while (over_cap(c.architecture, settings) && c.redraws < kRandomDraws) {
    c.architecture = arch::random_architecture(rng);
    ++c.redraws;
  }
  if (settings.sparsity) c.sparsity = rng.uniform(settings.sparsity->min, settings.sparsity->max);
  c.seed = training_seed(settings, id);
  return c;
}

Candidate child_candidate(const Candidate& parent, const SearchSettings& settings, std::int64_t id, Rng& rng) {
  Candidate child;
  child.id = id;
  child.parent_id = parent.id;
  arch::Child morphed = arch::random_child(parent.architecture, rng);
  while (over_cap(morphed.architecture, settings)) {
    if (++child.redraws == kChildDraws) {
      Candidate random = random_candidate(settings, id, rng);
      random.redraws += child.redraws;
      return random;
    }
    morphed = arch::random_child(parent.architecture, rng);
  }
  child.architecture = std::move(morphed.architecture);
  child.morphism = morphed.morphism;
  if (settings.sparsity) {
    const double inherited = parent.sparsity.value_or(settings.sparsity->min) + rng.normal(0.0, 0.05);
    child.sparsity = std::clamp(inherited, settings.sparsity->min, settings.sparsity->max);
  }
  child.seed = training_seed(settings, id);
  return child;
}

AgingEvolution::AgingEvolution(SearchSettings settings) : settings_(std::move(settings)) {}

Candidate AgingEvolution::propose(std::int64_t id) {
  Rng rng(derive_seed(settings_.seed, static_cast<std::uint64_t>(id), "propose"));
  // Random while the initial population is being made, and whenever no candidate has
  // succeeded yet (there is nothing to evolve).
  if (id < settings_.initial_population || population_.empty()) return random_candidate(settings_, id, rng);

  const Scalarisation scalarisation = Scalarisation::draw(rng);
  const Evaluated* best = nullptr;
  double best_goal = 0.0;
  for (std::int64_t k = 0; k < settings_.sample; ++k) {
    const Evaluated& member = population_[rng.index(population_.size())];
    const double goal = scalarisation.goal(member.objectives, settings_.bounds);
    if (best == nullptr || goal < best_goal) {
      best = &member;
      best_goal = goal;
    }
  }
  return child_candidate(best->candidate, settings_, id, rng);
}

void AgingEvolution::observe(const Evaluated& result) {
  if (!result.ok) return;  // a failed candidate is never a parent
  population_.push_back(result);
  while (static_cast<std::int64_t>(population_.size()) > settings_.population) population_.pop_front();
}

}  // namespace unas::search
