#include "search/successive_halving.h"

#include <gtest/gtest.h>

#include "resources/build_layer_graph.h"
#include "resources/macs.h"
#include "search/aging_evolution.h"

namespace unas::search {
namespace {

TEST(RungStatistics, NoDecisionBeforeEnoughReportsThenTheKeepQuantile) {
  RungStatistics s({2, 4}, 0.25, 5);
  // Curves of 4 epochs (both rungs) and of 3 (the first only: a candidate stopped at epoch 3).
  const std::vector<std::vector<double>> curves = {
      {0.9, 0.50, 0.4, 0.30}, {0.9, 0.10, 0.1, 0.10}, {0.9, 0.30, 0.3}, {0.9, 0.40, 0.3, 0.20}, {0.9, 0.20, 0.2, 0.15},
  };
  for (std::size_t k = 0; k < 4; ++k) s.observe(curves[k]);
  EXPECT_TRUE(s.thresholds().empty());  // 4 reports at rung 2, 3 at rung 4
  s.observe(curves[4]);
  // Rung 2 has 0.10, 0.20, 0.30, 0.40, 0.50: the 25 % quantile is the second order statistic.
  ASSERT_EQ(s.thresholds(), (std::vector<StopRung>{{2, 0.20}}));
  EXPECT_EQ(s.reports(1), 4U);
  s.observe({0.9, 0.6, 0.5, 0.40});
  // Rung 2: 6 errors, position 0.25 * 5 = 1.25 between 0.20 and 0.30; rung 4: 0.10, 0.15, 0.20,
  // 0.30, 0.40, position 1 -> 0.15.
  const auto t = s.thresholds();
  ASSERT_EQ(t.size(), 2U);
  EXPECT_DOUBLE_EQ(t[0].max_error, 0.225);
  EXPECT_EQ(t[1].epoch, 4);
  EXPECT_DOUBLE_EQ(t[1].max_error, 0.15);
}

TEST(RungStatistics, StoppingEpochIsTheFirstRungFailed) {
  const std::vector<StopRung> rungs = {{1, 0.5}, {3, 0.3}};
  EXPECT_EQ(stopping_epoch(rungs, {0.6}), 1);
  EXPECT_EQ(stopping_epoch(rungs, {0.5, 0.4, 0.31, 0.2}), 3);
  EXPECT_EQ(stopping_epoch(rungs, {0.5, 0.4, 0.30, 0.2}), 0);  // at the threshold goes on
  EXPECT_EQ(stopping_epoch(rungs, {0.4, 0.9}), 0);             // rung 3 not reached
  EXPECT_EQ(stopping_epoch({}, {1.0}), 0);
}

// No round on a network that could not be trained: every proposal is under max_macs, and the
// draws it took are counted.
TEST(MaxMacs, ProposalsAreDrawnAgainUntilUnderTheCap) {
  SearchSettings s;
  s.population = 10;
  s.sample = 3;
  s.initial_population = 10;
  s.bounds = Bounds{0.3, 10000, 20000, 1000000};
  s.input = {48, 48, 3};
  s.num_classes = 62;
  s.max_macs = 500'000;
  AgingEvolution ae(s);
  int redraws = 0;
  for (std::int64_t id = 0; id < 60; ++id) {
    const Candidate c = ae.propose(id);
    ASSERT_LE(resources::macs(resources::build_layer_graph(c.architecture, s.input, s.num_classes)), s.max_macs) << id;
    redraws += c.redraws;
    ae.observe(Evaluated{c, true, Objectives{0.5, 1000, 1000, 1000}});
  }
  EXPECT_GT(redraws, 20);  // most random 48x48x3 networks are far over 500 K MACs
  // Without a cap, nothing is drawn again and proposals are what they always were.
  s.max_macs = 0;
  AgingEvolution uncapped(s);
  for (std::int64_t id = 0; id < 12; ++id) EXPECT_EQ(uncapped.propose(id).redraws, 0);
}

}  // namespace
}  // namespace unas::search
