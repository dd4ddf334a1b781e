#include <gtest/gtest.h>

#include <set>

#include "search/aging_evolution.h"
#include "search/random_search.h"
#include "search/scalarisation.h"

namespace unas::search {
namespace {

Bounds chars74k_bounds() { return Bounds{0.30, 10000, 20000, 1000000}; }

TEST(Scalarisation, GoalIsTheLargestWeightedNormalisedObjective) {
  Scalarisation s;
  s.lambdas = {0.5, 1.0, 0.25, 1.0};
  const Objectives o{0.15, 5000, 10000, 2000000};
  // error 0.15/0.30 = 0.5 → /0.5 = 1; PMU 0.5; MS 0.5 → /0.25 = 2; MACs 2 → 2
  EXPECT_DOUBLE_EQ(s.goal(o, chars74k_bounds()), 2.0);
  const Objectives hopeless{0.15, 5000, 10000, 500'000'000};  // 500x over: capped at 10
  EXPECT_DOUBLE_EQ(s.goal(hopeless, chars74k_bounds()), 10.0);
  Bounds no_macs = chars74k_bounds();
  no_macs.macs.reset();  // an unbounded objective takes no part
  EXPECT_DOUBLE_EQ(s.goal(hopeless, no_macs), 2.0);
  EXPECT_TRUE(within_bounds(o, no_macs));
  EXPECT_FALSE(within_bounds(o, chars74k_bounds()));
}

TEST(Scalarisation, LambdasAreInTheUnitInterval) {
  Rng rng(1);
  double lo = 1, hi = 0;
  for (int k = 0; k < 10000; ++k)
    for (double l : Scalarisation::draw(rng).lambdas) {
      ASSERT_GT(l, 0.0);
      ASSERT_LE(l, 1.0);
      lo = std::min(lo, l);
      hi = std::max(hi, l);
    }
  EXPECT_LT(lo, 0.001);
  EXPECT_GT(hi, 0.999);
}

SearchSettings settings(std::int64_t population = 10, std::int64_t sample = 5, std::int64_t initial = 10) {
  SearchSettings s;
  s.population = population;
  s.sample = sample;
  s.initial_population = initial;
  s.bounds = chars74k_bounds();
  s.seed = 7;
  return s;
}

Evaluated evaluated(const Candidate& c, double error, bool ok = true) {
  return Evaluated{c, ok, Objectives{error, 1000, 1000, 1000}};
}

TEST(AgingEvolution, InitialCandidatesAreRandomThenChildrenOfTheSample) {
  AgingEvolution ae(settings());
  for (std::int64_t id = 0; id < 10; ++id) {
    const Candidate c = ae.propose(id);
    EXPECT_EQ(c.parent_id, -1);
    ae.observe(evaluated(c, 0.5 + 0.01 * static_cast<double>(id)));
  }
  for (std::int64_t id = 10; id < 30; ++id) {
    const Candidate c = ae.propose(id);
    ASSERT_GE(c.parent_id, 0);
    ae.observe(evaluated(c, 0.5));
  }
  EXPECT_EQ(ae.population().size(), 10U);  // aged: only the latest 10 remain
  EXPECT_EQ(ae.population().front().candidate.id, 20);
}

TEST(AgingEvolution, PicksTheBestOfAFullSample) {
  // With a sample far larger than the population, the best member is always in it.
  AgingEvolution ae(settings(10, 200, 10));
  std::vector<Candidate> initial;
  for (std::int64_t id = 0; id < 10; ++id) {
    initial.push_back(ae.propose(id));
    ae.observe(evaluated(initial.back(), id == 6 ? 0.01 : 0.9));
  }
  for (std::int64_t id = 10; id < 20; ++id) EXPECT_EQ(ae.propose(id).parent_id, 6);
}

TEST(AgingEvolution, FailedCandidatesNeverBecomeParents) {
  AgingEvolution ae(settings(10, 50, 4));
  for (std::int64_t id = 0; id < 4; ++id) ae.observe(evaluated(ae.propose(id), 0.0, id != 2));
  std::set<std::int64_t> parents;
  for (std::int64_t id = 4; id < 40; ++id) parents.insert(ae.propose(id).parent_id);
  EXPECT_FALSE(parents.contains(2));
  EXPECT_EQ(parents, (std::set<std::int64_t>{0, 1, 3}));
}

TEST(AgingEvolution, ProposalsDependOnSeedIdAndObservationsOnly) {
  AgingEvolution a(settings()), b(settings());
  for (std::int64_t id = 0; id < 25; ++id) {
    const Candidate ca = a.propose(id), cb = b.propose(id);
    ASSERT_EQ(ca.architecture, cb.architecture);
    ASSERT_EQ(ca.parent_id, cb.parent_id);
    ASSERT_EQ(ca.seed, cb.seed);
    a.observe(evaluated(ca, 0.3));
    b.observe(evaluated(cb, 0.3));
  }
}

TEST(AgingEvolution, SparsityIsInheritedWithNoiseAndClipped) {
  SearchSettings s = settings(10, 5, 5);
  s.sparsity = SparsityRange{0.1, 0.85};
  AgingEvolution ae(s);
  for (std::int64_t id = 0; id < 5; ++id) {
    Candidate c = ae.propose(id);
    ASSERT_TRUE(c.sparsity.has_value());
    ASSERT_GE(*c.sparsity, 0.1);
    ASSERT_LE(*c.sparsity, 0.85);
    c.sparsity = 0.5;  // a population all at 0.5
    ae.observe(evaluated(c, 0.2));
  }
  double sum = 0, sum_sq = 0;
  constexpr int kChildren = 2000;
  for (std::int64_t id = 5; id < 5 + kChildren; ++id) {
    const double d = *ae.propose(id).sparsity - 0.5;
    sum += d;
    sum_sq += d * d;
  }
  EXPECT_NEAR(sum / kChildren, 0.0, 0.005);
  EXPECT_NEAR(std::sqrt(sum_sq / kChildren), 0.05, 0.005);
}

TEST(RandomSearch, EveryCandidateIsFreshAndSeeded) {
  auto search = make_search_algorithm([] {
    SearchSettings s = settings();
    s.algorithm = "random";
    return s;
  }());
  const Candidate a = search->propose(3), b = search->propose(4);
  EXPECT_EQ(a.parent_id, -1);
  EXPECT_NE(a.architecture, b.architecture);
  EXPECT_EQ(search->propose(3).architecture, a.architecture);
  SearchSettings bad = settings();
  bad.algorithm = "simulated_annealing";
  EXPECT_THROW(make_search_algorithm(bad), std::invalid_argument);
}

}  // namespace
}  // namespace unas::search
