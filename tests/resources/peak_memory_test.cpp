#include "resources/peak_memory.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "arch/morphism.h"
#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "support/architectures.h"
#include "support/hand_graphs.h"

namespace unas::resources {
namespace {

using namespace unas::testing;


std::vector<std::string> op_names(const LayerGraph& g, const std::vector<int>& order) {
  std::vector<std::string> out;
  for (int o : order) out.push_back(g.op(o).name);
  return out;
}

TEST(PeakMemory, WorkedExample) {
  const Architecture a{{serial({conv(3, 5)})}, std::nullopt, {}};
  const LayerGraph g = build_layer_graph(a, {32, 32, 3}, 10);
  const Schedule s = optimal_schedule(g);
  EXPECT_EQ(s.peak_bytes, 4'510);  // conv output 4 500 + logits 10; the input is not counted
  EXPECT_EQ(op_names(g, s.order), (std::vector<std::string>{"b0.l0.conv", "classifier"}));
  PeakMemoryOptions with_input;
  with_input.include_input = true;
  EXPECT_EQ(optimal_schedule(g, with_input).peak_bytes, 3'072 + 4'500);
}

// Paper Fig. 1 in miniature: a source t0 (10 B) feeds branch A (one op, 50 B out) and branch B
// (60 B, then 5 B). Defined A first, B's 60 B intermediate meets A's 50 B output: 120 B.
// Running B first keeps only B's 5 B output while A runs: the peak is B's first step, 75 B.
TEST(PeakMemory, BranchOrderMattersHandWorked) {
  LayerGraph g(bytes(1));
  const int t0 = g.add_op(named("source"), {g.input()}, bytes(10));
  const int a = g.add_op(named("a"), {t0}, bytes(50));
  const int b1 = g.add_op(named("b1"), {t0}, bytes(60));
  const int b2 = g.add_op(named("b2"), {b1}, bytes(5));
  g.set_output(g.add_op(named("add", OpKind::kAdd), {a, b2}, bytes(50)));

  // source 10 | a 10+50=60 | b1 10+50+60=120 | b2 50+60+5=115 | add in place into a: 55
  EXPECT_EQ(peak_of_order(g, definition_order(g)), 120);
  const Schedule s = optimal_schedule(g);
  // source 10 | b1 10+60=70 | b2 10+60+5=75 | a 10+5+50=65 | add 55
  EXPECT_EQ(s.peak_bytes, 75);
  EXPECT_EQ(op_names(g, s.order), (std::vector<std::string>{"source", "b1", "b2", "a", "add"}));
}

TEST(PeakMemory, AddRunsInPlaceOnlyIntoAnInputOfItsShapeThatNothingLaterReads) {
  // x (40 B) feeds the Add and a later op; y (40 B) only the Add: it accumulates into y.
  LayerGraph g(bytes(1));
  const int x = g.add_op(named("x"), {g.input()}, bytes(40));
  const int y = g.add_op(named("y"), {g.input()}, bytes(40));
  const int sum = g.add_op(named("add", OpKind::kAdd), {x, y}, bytes(40));
  g.set_output(g.add_op(named("after", OpKind::kAdd), {x, sum}, bytes(40)));
  // x 40 | y 80 | add in place into y: 80 | after: x + sum, in place: 80
  EXPECT_EQ(optimal_schedule(g).peak_bytes, 80);

  // Inputs of another shape than the output cannot take the sum: 30 + 40 + a 50-byte buffer.
  LayerGraph h(bytes(1));
  const int p = h.add_op(named("p"), {h.input()}, TensorShape{1, 5, 6});
  const int q = h.add_op(named("q"), {h.input()}, TensorShape{2, 4, 5});
  h.set_output(h.add_op(named("add", OpKind::kAdd), {p, q}, TensorShape{2, 5, 6}));
  EXPECT_EQ(optimal_schedule(h).peak_bytes, 30 + 40 + 60);
}

// The same lesson on a real architecture, figures by hand. 16x16x1 input (not counted):
//   S0: 3x3x32 -> 14x14x32 = 6 272 B.   B1: 3x3x64 -> 14x14x64 = 12 544 B, then 3x3/2 wired to
//   32 channels -> 6x6x32 = 1 152 B.    Tie-up: S0 pooled 2x2 -> 7x7x32 = 1 568 B, Add in place.
// Definition order (S0 first) holds S0's output through the branch: 6 272 + 12 544 + 1 152.
// The branch first costs at most its second step: 12 544 + 1 152 = 13 696, the lower bound.
TEST(PeakMemory, BranchyArchitectureHandWorked) {
  const Architecture a{{serial({conv(3, 32)}), branch({conv(3, 64), conv(3, 16, true)})}, std::nullopt, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {16, 16, 1}, 10);
  EXPECT_EQ(peak_of_order(g, definition_order(g)), 19'968);
  const Schedule s = optimal_schedule(g);
  EXPECT_EQ(s.peak_bytes, 13'696);
  EXPECT_EQ(peak_lower_bound(g), 13'696);
  const auto order = op_names(g, s.order);
  EXPECT_LT(std::find(order.begin(), order.end(), "b1.l1.conv"), std::find(order.begin(), order.end(), "b0.l0.conv"));

  // Counting the 256-byte input: it lives until both S0 and B1 have read it.
  PeakMemoryOptions with_input;
  with_input.include_input = true;
  EXPECT_EQ(optimal_schedule(g, with_input).peak_bytes, 256 + 12'544 + 1'152);
}

TEST(PeakMemory, OrdersThatBreakDependenciesAreRejected) {
  const Architecture a{{serial({conv(3, 5), conv(3, 5)})}, std::nullopt, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {12, 12, 1}, 10);
  EXPECT_THROW(peak_of_order(g, {1, 0, 2, 3}), PeakMemoryError);
  EXPECT_THROW(peak_of_order(g, {0, 1, 2}), PeakMemoryError);
  EXPECT_THROW(peak_of_order(g, {0, 0, 1, 2}), PeakMemoryError);
}

void check_schedule(const LayerGraph& g, const PeakMemoryOptions& options) {
  const Schedule s = optimal_schedule(g, options);
  std::vector<int> sorted = s.order;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sorted, definition_order(g));                          // every op exactly once
  ASSERT_EQ(peak_of_order(g, s.order, options), s.peak_bytes);     // the order achieves the peak
  ASSERT_LE(s.peak_bytes, peak_of_order(g, definition_order(g), options));
  ASSERT_GE(s.peak_bytes, peak_lower_bound(g, options));
}

TEST(PeakMemory, PropertiesOverTenThousandRandomArchitectures) {
  Rng rng(31);
  PeakMemoryOptions options;
  int improved = 0;
  for (int k = 0; k < 10'000; ++k) {
    const Architecture a = arch::random_architecture(rng);
    options.include_input = k % 2 == 1;
    const LayerGraph g = build_layer_graph(a, {48, 48, 3}, 62);
    check_schedule(g, options);
    improved += optimal_schedule(g, options).peak_bytes < peak_of_order(g, definition_order(g), options);
  }
  EXPECT_GT(improved, 100);  // branchy architectures do gain from reordering
}

TEST(PeakMemory, PropertiesAlongRandomMorphChains) {
  Rng rng(32);
  for (int chain = 0; chain < 500; ++chain) {
    Architecture a = arch::random_architecture(rng);
    for (int step = 0; step < 20; ++step) {
      a = arch::random_child(a, rng).architecture;
      check_schedule(build_layer_graph(a, {28, 28, 1}, 10), {});
    }
  }
}

TEST(PeakMemory, TenParallelBranchesOfThreeLayersStayTractable) {
  // The widest stage the search space allows: a serial block and nine branches beside it.
  Architecture a{{serial({conv(3, 16), conv(3, 16), conv(3, 16)})}, std::nullopt, {DenseBlock{10}}};
  for (int i = 1; i < 10; ++i)
    a.conv_blocks.push_back(branch({testing::with_prepool(conv(3, 8 + i)), conv(3, 40 - 3 * i), testing::dwconv(3)}));
  const LayerGraph g = build_layer_graph(a, {48, 48, 3}, 62);
  PeakMemoryOptions options;
  options.max_states = 200'000;  // both variants need far fewer (measured: under 10 000)
  check_schedule(g, options);
  options.include_input = true;  // the source then stays alive while branches start
  check_schedule(g, options);
}

}  // namespace
}  // namespace unas::resources
