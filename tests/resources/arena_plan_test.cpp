#include "resources/arena_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "resources/peak_memory.h"
#include "support/architectures.h"
#include "support/hand_graphs.h"

namespace unas::resources {
namespace {

using namespace unas::testing;


ArenaOptions with_input() {
  ArenaOptions options;
  options.include_input = true;
  return options;
}

ArenaOptions greedy_only() {
  ArenaOptions options;
  options.greedy_by_size_only = true;
  return options;
}

std::int64_t pmu(const LayerGraph& g, const std::vector<int>& order, const ArenaOptions& options = {}) {
  PeakMemoryOptions pm;
  pm.include_input = options.include_input;
  return peak_of_order(g, order, pm);
}

// Plans, checks the plan and returns it.
ArenaPlan checked_plan(const LayerGraph& g, const std::vector<int>& order, const ArenaOptions& options = {}) {
  ArenaPlan plan = plan_arena(g, order, options);
  const std::vector<std::string> problems = check_plan(g, plan, options);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(plan.order, order);
  return plan;
}

// input (100) -> a (50) -> b (30) -> c (40) -> out (10). Busiest step: b runs with a alive, 80 B.
// E.g. a at 0, b at 50, then c back at 0 and out at 40.
TEST(ArenaPlan, ChainReachesThePeak) {
  LayerGraph g(bytes(100));
  const int a = g.add_op(named("a"), {g.input()}, bytes(50));
  const int b = g.add_op(named("b"), {a}, bytes(30));
  const int c = g.add_op(named("c"), {b}, bytes(40));
  g.set_output(g.add_op(named("out"), {c}, bytes(10)));
  const std::vector<int> order = definition_order(g);

  const ArenaPlan plan = checked_plan(g, order);
  EXPECT_EQ(plan.arena_bytes, 80);
  EXPECT_EQ(plan.arena_bytes, pmu(g, order));
  EXPECT_EQ(plan.offsets[static_cast<std::size_t>(g.input())], -1);  // the caller supplies it
  EXPECT_EQ(plan.in_place_of, std::vector<int>(g.tensors().size(), -1));

  // With the input in the arena the first step holds input and a: 150 B.
  const ArenaPlan whole = checked_plan(g, order, with_input());
  EXPECT_EQ(whole.arena_bytes, 150);
  EXPECT_EQ(whole.arena_bytes, pmu(g, order, with_input()));
  EXPECT_GE(whole.offsets[static_cast<std::size_t>(g.input())], 0);
}

TEST(ArenaPlan, WorkedExampleOfTheSpec) {
  const Architecture arch{{serial({conv(3, 5)})}, std::nullopt, {}};
  const LayerGraph g = build_layer_graph(arch, {32, 32, 3}, 10);
  const Schedule s = optimal_schedule(g);
  EXPECT_EQ(checked_plan(g, s.order).arena_bytes, 4'510);  // conv output 4 500 + logits 10
}

// The branch of peak_memory_test: source (10) feeds a (50) and b1 (60) -> b2 (5); add(a, b2)
// accumulates into a. In the optimal order (source, b1, b2, a, add) the busiest step is b2:
// source + b1 + b2 = 75 B; the Add needs no buffer of its own.
TEST(ArenaPlan, BranchWithAnAddThatRunsInPlace) {
  LayerGraph g(bytes(1));
  const int source = g.add_op(named("source"), {g.input()}, bytes(10));
  const int a = g.add_op(named("a"), {source}, bytes(50));
  const int b1 = g.add_op(named("b1"), {source}, bytes(60));
  const int b2 = g.add_op(named("b2"), {b1}, bytes(5));
  const int sum = g.add_op(named("add", OpKind::kAdd), {a, b2}, bytes(50));
  g.set_output(sum);

  const Schedule s = optimal_schedule(g);
  ASSERT_EQ(s.peak_bytes, 75);
  const ArenaPlan plan = checked_plan(g, s.order);
  EXPECT_EQ(plan.arena_bytes, 75);
  EXPECT_EQ(plan.in_place_of[static_cast<std::size_t>(sum)], a);
  EXPECT_EQ(plan.offsets[static_cast<std::size_t>(sum)], plan.offsets[static_cast<std::size_t>(a)]);

  // In definition order b1 meets a and source: 120 B, still no fragmentation.
  const ArenaPlan defined = checked_plan(g, definition_order(g));
  EXPECT_EQ(defined.arena_bytes, 120);
  EXPECT_EQ(defined.arena_bytes, pmu(g, definition_order(g)));
}

// x -> y; z = add(x, y) cannot accumulate into x or y because w = add(z, x, y) reads both later;
// w then accumulates into z, which nothing after it reads. Steps: 30, 60, 90, 90 bytes.
TEST(ArenaPlan, AddThatCannotRunInPlaceBecauseItsInputIsReadLater) {
  LayerGraph g(bytes(30));
  const int x = g.add_op(named("x"), {g.input()}, bytes(30));
  const int y = g.add_op(named("y"), {x}, bytes(30));
  const int z = g.add_op(named("z", OpKind::kAdd), {x, y}, bytes(30));
  const int w = g.add_op(named("w", OpKind::kAdd), {z, x, y}, bytes(30));
  g.set_output(w);
  const std::vector<int> order = definition_order(g);

  const ArenaPlan plan = checked_plan(g, order);
  EXPECT_EQ(plan.arena_bytes, 90);
  EXPECT_EQ(plan.arena_bytes, pmu(g, order));
  EXPECT_EQ(plan.in_place_of[static_cast<std::size_t>(z)], -1);
  EXPECT_EQ(plan.in_place_of[static_cast<std::size_t>(w)], z);
  // x, y and z are alive together: three distinct buffers.
  std::vector<std::int64_t> offsets{plan.offsets[static_cast<std::size_t>(x)], plan.offsets[static_cast<std::size_t>(y)],
                                    plan.offsets[static_cast<std::size_t>(z)]};
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(offsets, (std::vector<std::int64_t>{0, 30, 60}));
}

// z = add(input, x) with x read later: only the network input could take the sum, and it is
// written over only when it lives in the arena.
TEST(ArenaPlan, NeverWritesOverACallerSuppliedInput) {
  LayerGraph g(bytes(30));
  const int x = g.add_op(named("x"), {g.input()}, bytes(30));
  const int z = g.add_op(named("z", OpKind::kAdd), {g.input(), x}, bytes(30));
  g.set_output(g.add_op(named("w", OpKind::kAdd), {z, x}, bytes(30)));
  const std::vector<int> order = definition_order(g);

  const ArenaPlan outside = checked_plan(g, order);
  EXPECT_EQ(outside.in_place_of[static_cast<std::size_t>(z)], -1);
  EXPECT_EQ(outside.arena_bytes, 60);
  EXPECT_GE(outside.arena_bytes, pmu(g, order));

  const ArenaPlan inside = checked_plan(g, order, with_input());
  EXPECT_EQ(inside.in_place_of[static_cast<std::size_t>(z)], g.input());
  EXPECT_EQ(inside.arena_bytes, 60);
  EXPECT_EQ(inside.arena_bytes, pmu(g, order, with_input()));
}

// A chain of 200, 100, 100, 200 B: steps hold 200, 300, 200, 300 B. Greedy-by-size puts both
// 200 B tensors at 0 (they never meet), then the first 100 B one above the first, and the
// second 100 B one, which meets both the other 100 B one and the last 200 B one, must go on
// top: 400 B. Placing in execution order leaves the 100 B ones side by side at 200 and 0: 300 B.
TEST(ArenaPlan, FragmentationThatGreedyBySizeLeaves) {
  LayerGraph g(bytes(1));
  int t = g.input();
  for (int k = 0; const int size : {200, 100, 100, 200}) t = g.add_op(named("op" + std::to_string(k++)), {t}, bytes(size));
  g.set_output(t);
  const std::vector<int> order = definition_order(g);

  EXPECT_EQ(pmu(g, order), 300);
  EXPECT_EQ(checked_plan(g, order, greedy_only()).arena_bytes, 400);
  EXPECT_EQ(checked_plan(g, order).arena_bytes, 300);
}

// A random architecture (32x32x3, seed 1, id 4384 of arena_vs_pmu_bench) written out by hand:
// greedy-by-size needs 88 452 B, the planner finds a plan at the PMU of 87 120 B.
TEST(ArenaPlan, RealArchitectureWhereGreedyBySizeFragments) {
  LayerGraph g(TensorShape{32, 32, 3});
  const int b0l0 = g.add_op(named("b0.l0.conv"), {g.input()}, TensorShape{14, 14, 67});
  const int b0l1 = g.add_op(named("b0.l1.conv"), {b0l0}, TensorShape{14, 14, 110});
  const int b1l0 = g.add_op(named("b1.l0.conv"), {g.input()}, TensorShape{32, 32, 6});
  const int b1l1 = g.add_op(named("b1.l1.conv"), {b1l0}, TensorShape{26, 26, 70});
  const int b1l2 = g.add_op(named("b1.l2.conv", OpKind::kDepthwiseConv2D), {b1l1}, TensorShape{20, 20, 70});
  const int b1proj = g.add_op(named("b1.proj"), {b1l2}, TensorShape{20, 20, 110});
  const int b2l0 = g.add_op(named("b2.l0.conv"), {g.input()}, TensorShape{14, 14, 110});
  int t = g.add_op(named("add0", OpKind::kAdd), {b0l1, b1proj, b2l0}, TensorShape{20, 20, 110});
  t = g.add_op(named("b3.l0.conv", OpKind::kDepthwiseConv2D), {t}, TensorShape{9, 9, 110});
  t = g.add_op(named("b3.l1.prepool", OpKind::kMaxPool), {t}, TensorShape{5, 5, 110});
  t = g.add_op(named("b3.l1.conv", OpKind::kDepthwiseConv2D), {t}, TensorShape{1, 1, 110});
  t = g.add_op(named("pool", OpKind::kMaxPool), {t}, TensorShape{1, 1, 110});
  for (const int units : {168, 251, 229, 10}) t = g.add_op(named("dense" + std::to_string(units), OpKind::kDense), {t}, bytes(units));
  g.set_output(t);
  // b1's chain first, b0 and b2 as late as possible, as optimal_schedule() runs them.
  const std::vector<int> order{2, 3, 4, 0, 5, 1, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

  EXPECT_EQ(pmu(g, order), 87'120);
  EXPECT_EQ(checked_plan(g, order, greedy_only()).arena_bytes, 88'452);
  const ArenaPlan plan = checked_plan(g, order);
  EXPECT_EQ(plan.arena_bytes, 87'120);
  EXPECT_EQ(plan.in_place_of[static_cast<std::size_t>(g.op(7).output)], b1proj);
}

// Nine tensors whose busiest step holds 18 bytes, though no plan fits in 18 (an exhaustive search
// over every offset below proves it): the planner must find the optimum, 19.
TEST(ArenaPlan, FindsTheOptimumWhenThePeakIsOutOfReach) {
  // Tensor i is written at step i and last read at step last[i].
  const std::vector<int> size{9, 4, 7, 6, 4, 8, 4, 3, 8};
  const std::vector<int> last{1, 4, 3, 5, 8, 6, 7, 8, 8};
  LayerGraph g(bytes(1));
  std::vector<int> tensor;
  for (int i = 0; i < 9; ++i) {
    std::vector<int> inputs;
    for (int j = 0; j < i; ++j)
      if (last[static_cast<std::size_t>(j)] == i) inputs.push_back(tensor[static_cast<std::size_t>(j)]);
    if (i == 0) inputs.push_back(g.input());
    if (inputs.empty()) inputs.push_back(tensor.back());  // still alive: extends nothing
    tensor.push_back(g.add_op(named("op" + std::to_string(i)), inputs, bytes(size[static_cast<std::size_t>(i)])));
  }
  g.set_output(tensor.back());
  const std::vector<int> order = definition_order(g);
  ASSERT_EQ(pmu(g, order), 18);

  // Every tensor at every offset within 18 bytes, depth first: nothing fits.
  std::vector<int> offset(9, -1);
  std::function<bool(int)> fits_in_18 = [&](int i) {
    if (i == 9) return true;
    for (int o = 0; o + size[static_cast<std::size_t>(i)] <= 18; ++o) {
      bool free = true;
      for (int j = 0; j < i && free; ++j) {
        const bool meet = last[static_cast<std::size_t>(j)] >= i;  // j, written before i, is alive when i is
        const bool share = o < offset[static_cast<std::size_t>(j)] + size[static_cast<std::size_t>(j)] &&
                           offset[static_cast<std::size_t>(j)] < o + size[static_cast<std::size_t>(i)];
        free = !(meet && share);
      }
      if (!free) continue;
      offset[static_cast<std::size_t>(i)] = o;
      if (fits_in_18(i + 1)) return true;
    }
    return false;
  };
  ASSERT_FALSE(fits_in_18(0));

  EXPECT_EQ(checked_plan(g, order).arena_bytes, 19);
}

TEST(ArenaPlan, RejectsAnOrderThatIsNotExecutable) {
  LayerGraph g(bytes(4));
  const int a = g.add_op(named("a"), {g.input()}, bytes(4));
  g.set_output(g.add_op(named("b"), {a}, bytes(4)));
  EXPECT_THROW(plan_arena(g, {1, 0}), std::invalid_argument);
  EXPECT_THROW(plan_arena(g, {0}), std::invalid_argument);
  EXPECT_THROW(plan_arena(g, {0, 0}), std::invalid_argument);
}

TEST(ArenaPlan, CheckPlanReportsBrokenPlans) {
  LayerGraph g(bytes(30));
  const int x = g.add_op(named("x"), {g.input()}, bytes(30));
  const int y = g.add_op(named("y"), {x}, bytes(30));
  const int z = g.add_op(named("z", OpKind::kAdd), {x, y}, bytes(30));
  const int w = g.add_op(named("w", OpKind::kAdd), {z, x, y}, bytes(30));
  g.set_output(w);
  const ArenaPlan good = checked_plan(g, definition_order(g));

  ArenaPlan small = good;
  small.arena_bytes -= 1;
  EXPECT_FALSE(check_plan(g, small).empty());

  ArenaPlan overlapping = good;
  overlapping.offsets[static_cast<std::size_t>(y)] = overlapping.offsets[static_cast<std::size_t>(x)];
  const std::vector<std::string> problems = check_plan(g, overlapping);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("overlap"), std::string::npos) << problems.front();

  ArenaPlan illegal = good;  // z may not reuse x: w reads x later
  illegal.in_place_of[static_cast<std::size_t>(z)] = x;
  illegal.offsets[static_cast<std::size_t>(z)] = illegal.offsets[static_cast<std::size_t>(x)];
  EXPECT_FALSE(check_plan(g, illegal).empty());

  ArenaPlan input_placed = good;  // the input is not in this arena
  input_placed.offsets[static_cast<std::size_t>(g.input())] = 0;
  EXPECT_FALSE(check_plan(g, input_placed).empty());
}

// Over random architectures: every plan is valid, never below the PMU and almost always equal
// to it; moving one live tensor onto another is always caught.
TEST(ArenaPlan, PropertiesOverRandomArchitectures) {
  Rng rng(51);
  int equal = 0;
  const int count = 400;
  for (int k = 0; k < count; ++k) {
    const Architecture arch = arch::random_architecture(rng);
    const bool colour = k % 2 == 1;
    const LayerGraph g = build_layer_graph(arch, colour ? TensorShape{32, 32, 3} : TensorShape{28, 28, 1}, 10);
    ArenaOptions options;
    options.include_input = k % 4 >= 2;
    PeakMemoryOptions pm;
    pm.include_input = options.include_input;
    const Schedule s = optimal_schedule(g, pm);

    const ArenaPlan plan = plan_arena(g, s.order, options);
    const std::vector<std::string> problems = check_plan(g, plan, options);
    ASSERT_TRUE(problems.empty()) << "architecture " << k << ": " << problems.front();
    ASSERT_GE(plan.arena_bytes, s.peak_bytes) << "architecture " << k;
    ASSERT_EQ(peak_of_order(g, s.order, pm), s.peak_bytes);
    equal += plan.arena_bytes == s.peak_bytes;

    const ArenaPlan greedy = plan_arena(g, s.order, ArenaOptions{options.include_input, true});
    ASSERT_TRUE(check_plan(g, greedy, options).empty()) << "architecture " << k;
    ASSERT_LE(plan.arena_bytes, greedy.arena_bytes) << "architecture " << k;

    // An op's input and output are both alive at its step: moving one onto the other must be
    // reported, unless they are an in-place Add's shared buffer.
    const Op& op = g.op(s.order[static_cast<std::size_t>(k) % s.order.size()]);
    const int input = op.inputs.front(), output = op.output;
    if (plan.offsets[static_cast<std::size_t>(input)] < 0 || plan.in_place_of[static_cast<std::size_t>(output)] == input) continue;
    ArenaPlan broken = plan;
    broken.offsets[static_cast<std::size_t>(output)] = broken.offsets[static_cast<std::size_t>(input)];
    ASSERT_FALSE(check_plan(g, broken, options).empty()) << "architecture " << k;
  }
  EXPECT_GE(equal, count * 98 / 100);
}

}  // namespace
}  // namespace unas::resources
