#include "search/bayesian_optimisation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <set>

#include "arch/json_io.h"
#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "resources/macs.h"
#include "search/candidate_pool.h"
#include "search/random_search.h"

namespace unas::search {
namespace {

SearchSettings bo_settings(std::uint64_t seed, std::int64_t pool = 64) {
  SearchSettings s;
  s.algorithm = "bayesian_optimisation";
  s.initial_population = 10;
  s.bounds.error = 0.2;
  s.bounds.macs = 2'000'000;
  s.input = {28, 28, 1};
  s.num_classes = 10;
  s.bayes_opt.pool = pool;
  s.bayes_opt.parents = 5;
  s.seed = seed;
  return s;
}

// A known smooth "error": best for networks of about 200 K MACs, worse on a log scale away
// from there. The target (error ≤ 0.07) is a band of 0.13 decades around it.
double synthetic_error(const arch::Architecture& a, const SearchSettings& s) {
  const double macs = static_cast<double>(resources::macs(resources::build_layer_graph(a, s.input, s.num_classes)));
  const double z = (std::log10(macs) - 5.3) / 0.3;
  return 0.05 + 0.9 * (1 - std::exp(-z * z / 2));
}

Evaluated evaluate(const Candidate& c, const SearchSettings& s) {
  Objectives o = estimated_resources(c, s);
  o.error = synthetic_error(c.architecture, s);
  return Evaluated{c, true, o};
}

// Evaluations until one is within bounds with error ≤ 0.07 (one candidate at a time); `cap` if never.
int evaluations_to_target(SearchAlgorithm& search, const SearchSettings& s, int cap) {
  for (int id = 0; id < cap; ++id) {
    const Evaluated e = evaluate(search.propose(id), s);
    if (e.objectives.error <= 0.07 && within_bounds(e.objectives, s.bounds)) return id + 1;
    search.observe(e);
  }
  return cap;
}

TEST(BayesianOptimisation, ReachesTheTargetInFewerEvaluationsThanRandomSearch) {
  const int seeds = 10, cap = 80;
  double bo_total = 0, random_total = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    const SearchSettings s = bo_settings(static_cast<std::uint64_t>(seed));
    BayesianOptimisation bo(s);
    RandomSearch random(s);
    bo_total += evaluations_to_target(bo, s, cap);
    random_total += evaluations_to_target(random, s, cap);
  }
  RecordProperty("bo_mean_evaluations", std::to_string(bo_total / seeds));
  RecordProperty("random_mean_evaluations", std::to_string(random_total / seeds));
  std::cout << "mean evaluations to target: BO " << bo_total / seeds << ", random " << random_total / seeds << "\n";
  EXPECT_LT(bo_total, 0.75 * random_total);
}

TEST(BayesianOptimisation, StartsRandomThenProposesChildrenOrRandomPoolMembers) {
  const SearchSettings s = bo_settings(3);
  BayesianOptimisation bo(s);
  for (int id = 0; id < 10; ++id) {
    const Candidate c = bo.propose(id);
    EXPECT_EQ(c.parent_id, -1);
    EXPECT_EQ(c.id, id);
    bo.observe(evaluate(c, s));
  }
  EXPECT_EQ(bo.observed(), 10u);
  EXPECT_EQ(bo.pending(), 0u);
  EXPECT_GT(bo.hyperparameters().beta, 0.0);
  const Candidate c = bo.propose(10);
  EXPECT_EQ(c.id, 10);
  EXPECT_EQ(c.seed, training_seed(s, 10));
  EXPECT_GT(bo.last_scored(), 0u);
  EXPECT_LE(bo.last_scored(), 64u);
  EXPECT_EQ(bo.pending(), 1u);
}

TEST(BayesianOptimisation, NeverProposesAKnownNetworkAgainAndDropsFailures) {
  const SearchSettings s = bo_settings(5, 32);
  BayesianOptimisation bo(s);
  std::set<std::string> proposed;
  std::deque<Candidate> running;  // three workers: results come back one proposal late
  for (int id = 0; id < 30; ++id) {
    running.push_back(bo.propose(id));
    EXPECT_TRUE(proposed.insert(arch::to_json_text(running.back().architecture)).second) << "id " << id;
    if (running.size() == 3) {
      Evaluated e = evaluate(running.front(), s);
      e.ok = running.front().id % 4 != 0;  // every fourth fails
      bo.observe(e);
      running.pop_front();
    }
  }
  EXPECT_EQ(bo.pending(), 2u);
  EXPECT_EQ(bo.observed(), 21u);  // 28 finished, 7 of them failed
}

TEST(BayesianOptimisation, AResumedSearchRebuildsTheSameModelAndProposals) {
  const SearchSettings s = bo_settings(9, 32);
  BayesianOptimisation first(s);
  std::vector<Candidate> proposals;
  std::vector<Evaluated> finished;  // in completion order
  std::deque<Candidate> running;
  for (int id = 0; id < 24; ++id) {
    proposals.push_back(first.propose(id));
    running.push_back(proposals.back());
    if (running.size() == 3) {
      // Finish out of order: the second oldest first.
      const Candidate done = running[1];
      running.erase(running.begin() + 1);
      finished.push_back(evaluate(done, s));
      first.observe(finished.back());
    }
  }
  // A new run replays what the results file holds, then hears of the two still running.
  BayesianOptimisation resumed(s);
  for (const Evaluated& e : finished) resumed.observe(e);
  for (const Candidate& c : running) resumed.resume_pending(c);
  EXPECT_EQ(resumed.hyperparameters().beta, first.hyperparameters().beta);
  EXPECT_EQ(resumed.hyperparameters().noise_ratio, first.hyperparameters().noise_ratio);
  for (int id = 24; id < 28; ++id) {
    const Candidate a = first.propose(id), b = resumed.propose(id);
    EXPECT_EQ(arch::to_json_text(a.architecture), arch::to_json_text(b.architecture)) << "id " << id;
    EXPECT_EQ(a.parent_id, b.parent_id);
  }
}

TEST(BayesianOptimisation, SparsityIsPartOfTheDistanceAndStaysInRange) {
  SearchSettings s = bo_settings(2, 32);
  s.sparsity = SparsityRange{0.1, 0.8};
  BayesianOptimisation bo(s);
  for (int id = 0; id < 16; ++id) {
    const Candidate c = bo.propose(id);
    ASSERT_TRUE(c.sparsity.has_value());
    EXPECT_GE(*c.sparsity, 0.1);
    EXPECT_LE(*c.sparsity, 0.8);
    bo.observe(evaluate(c, s));
  }
  Candidate twin = bo.propose(16);
  twin.id = 100;
  twin.sparsity = *twin.sparsity > 0.5 ? *twin.sparsity - 0.3 : *twin.sparsity + 0.3;
  bo.resume_pending(twin);
  EXPECT_NEAR(bo.distance(16, 100), 0.3, 1e-12);  // same network: only the sparsity differs
}

TEST(EstimatedResources, StructuredPruningShrinksEveryPrunableLayer) {
  SearchSettings s = bo_settings(1);
  Rng rng(4);
  Candidate c;
  c.architecture = arch::random_architecture(rng);
  const Objectives dense = estimated_resources(c, s);
  c.sparsity = 0.5;
  const Objectives pruned = estimated_resources(c, s);
  EXPECT_LT(pruned.model_size_bytes, dense.model_size_bytes);
  EXPECT_LT(pruned.macs, dense.macs);
  EXPECT_LE(pruned.peak_memory_bytes, dense.peak_memory_bytes);
  s.unstructured = true;  // only model size changes, counted sparse
  const Objectives sparse = estimated_resources(c, s);
  EXPECT_EQ(sparse.macs, dense.macs);
  EXPECT_EQ(sparse.peak_memory_bytes, dense.peak_memory_bytes);
}

}  // namespace
}  // namespace unas::search
