#include "resources/build_layer_graph.h"

#include <gtest/gtest.h>

#include "support/architectures.h"

namespace unas::resources {
namespace {

using namespace unas::testing;

const TensorShape& out_shape(const LayerGraph& g, const std::string& op) {
  const int id = g.find_op(op);
  EXPECT_GE(id, 0) << op;
  return g.tensor(g.op(id).output).shape;
}

std::vector<std::string> names(const LayerGraph& g) {
  std::vector<std::string> out;
  for (const Op& op : g.ops()) out.push_back(op.name);
  return out;
}

TEST(BuildLayerGraph, WorkedExample) {
  const Architecture a{{serial({conv(3, 5)})}, std::nullopt, {}};
  const LayerGraph g = build_layer_graph(a, {32, 32, 3}, 10);
  EXPECT_EQ(names(g), (std::vector<std::string>{"b0.l0.conv", "classifier"}));
  EXPECT_EQ(out_shape(g, "b0.l0.conv"), (TensorShape{30, 30, 5}));
  EXPECT_EQ(g.op(0).weights, 135);
  EXPECT_EQ(g.op(0).biases, 5);
  EXPECT_EQ(g.op(1).weights, 45'000);
  EXPECT_EQ(out_shape(g, "classifier"), (TensorShape{1, 1, 10}));
}

TEST(BuildLayerGraph, BranchReadsTheSerialBlocksInputAndMatchesItsChannels) {
  // S0: 16x16x3 -> 14x14x8. B1 reads the network input: 3x3/2 -> 7x7x4, then a 1x1 whose 4
  // stored filters are overridden by the wiring to 8. Tie-up: 14/7 = 2 -> 2x2 max pool on S0.
  const Architecture a{{serial({conv(3, 8)}), branch({conv(3, 4, true), conv1x1(4)})}, std::nullopt, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {16, 16, 3}, 5);
  EXPECT_EQ(names(g), (std::vector<std::string>{"b0.l0.conv", "b1.l0.conv", "b1.l1.conv", "add0.in0.pool", "add0",
                                                "dense0", "classifier"}));
  EXPECT_EQ(g.op(g.find_op("b1.l0.conv")).inputs, std::vector<int>{g.input()});
  EXPECT_EQ(out_shape(g, "b1.l0.conv"), (TensorShape{7, 7, 4}));
  EXPECT_EQ(out_shape(g, "b1.l1.conv"), (TensorShape{7, 7, 8}));
  EXPECT_EQ(out_shape(g, "add0.in0.pool"), (TensorShape{7, 7, 8}));
  EXPECT_EQ(out_shape(g, "add0"), (TensorShape{7, 7, 8}));
  EXPECT_EQ(g.op(g.find_op("dense0")).weights, 7 * 7 * 8 * 10);
}

TEST(BuildLayerGraph, DepthwiseEndOfBranchGetsAProjection) {
  const Architecture a{{serial({conv(3, 8)}), branch({dwconv(3)})}, std::nullopt, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {10, 10, 3}, 4);
  const Op& proj = g.op(g.find_op("b1.proj"));
  EXPECT_EQ(proj.kind, OpKind::kConv2D);
  EXPECT_EQ(proj.kernel, 1);
  EXPECT_FALSE(proj.relu);
  EXPECT_EQ(proj.weights, 3 * 8);
  EXPECT_EQ(out_shape(g, "b1.proj"), (TensorShape{8, 8, 8}));
  EXPECT_EQ(out_shape(g, "add0"), (TensorShape{8, 8, 8}));
}

TEST(BuildLayerGraph, SerialBlocksAfterBranchesReadTheirSum) {
  const Architecture a{{serial({conv(3, 8)}), branch({conv(3, 2)}), branch({conv(5, 8)}), serial({conv1x1(6)})},
                       std::nullopt,
                       {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {12, 12, 1}, 3);
  const Op& add = g.op(g.find_op("add0"));
  EXPECT_EQ(add.inputs.size(), 3U);
  // 10x10 (S0), 10x10 (B1), 8x8 (B2): round(10/8) = 1, so no pooling; the Add pads to 10x10.
  EXPECT_EQ(out_shape(g, "add0"), (TensorShape{10, 10, 8}));
  EXPECT_EQ(g.op(g.find_op("b3.l0.conv")).inputs, std::vector<int>{add.output});
  EXPECT_EQ(classifier_units(2), 1);
  EXPECT_EQ(out_shape(build_layer_graph(a, {12, 12, 1}, 2), "classifier"), (TensorShape{1, 1, 1}));
}

TEST(BuildLayerGraph, TieUpRoundsLikePython) {
  EXPECT_EQ(round_half_even(5, 2), 2);  // 2.5 -> 2
  EXPECT_EQ(round_half_even(7, 2), 4);  // 3.5 -> 4
  EXPECT_EQ(round_half_even(15, 6), 2);  // 2.5 -> 2
  EXPECT_EQ(round_half_even(21, 6), 4);  // 3.5 -> 4
  EXPECT_EQ(round_half_even(8, 3), 3);
  EXPECT_EQ(round_half_even(7, 3), 2);
  EXPECT_EQ(round_half_even(1, 1), 1);
  // S0 gives 5x5, B1 (5x5/2 on 7x7) gives 2x2: ratio 2.5 rounds to 2, so S0 is pooled to
  // ceil(5/2) = 3 and the sum is 3x3 (round-half-up would have pooled by 3, to 2x2).
  const Architecture a{{serial({conv(3, 4)}), branch({conv(5, 4, true)})}, std::nullopt, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {7, 7, 1}, 3);
  EXPECT_EQ(out_shape(g, "b1.l0.conv"), (TensorShape{2, 2, 4}));
  EXPECT_EQ(g.op(g.find_op("add0.in0.pool")).pool_height, 2);
  EXPECT_EQ(out_shape(g, "add0"), (TensorShape{3, 3, 4}));
}

TEST(BuildLayerGraph, KernelsAndPoolsAreClampedToTheirInput) {
  const Architecture a{{serial({conv(7, 4), with_prepool(conv(3, 4)), with_prepool(dwconv(5))})},
                       Pooling{PoolType::kAvg, 6},
                       {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {9, 9, 1}, 3);
  EXPECT_EQ(out_shape(g, "b0.l0.conv"), (TensorShape{3, 3, 4}));      // 9 - 7 + 1
  EXPECT_EQ(out_shape(g, "b0.l1.prepool"), (TensorShape{2, 2, 4}));   // ceil(3 / 2)
  EXPECT_EQ(g.op(g.find_op("b0.l1.conv")).kernel, 2);                 // 3 clamped to 2
  EXPECT_EQ(out_shape(g, "b0.l1.conv"), (TensorShape{1, 1, 4}));
  EXPECT_EQ(g.find_op("b0.l2.prepool"), -1);                          // nothing to pool on 1x1
  EXPECT_EQ(g.op(g.find_op("b0.l2.conv")).kernel, 1);
  EXPECT_EQ(g.op(g.find_op("pool")).pool_height, 1);
  EXPECT_EQ(out_shape(g, "pool"), (TensorShape{1, 1, 4}));
}

TEST(BuildLayerGraph, PrunedLayersShrinkTheGraph) {
  const Architecture a{{serial({conv(3, 8)}), branch({conv(3, 4), conv(3, 9)})}, std::nullopt, {DenseBlock{20}}};
  const PrunedLayers pruned{{"b0.l0.conv", {3, 20}},
                            {"b1.l0.conv", {0, std::nullopt}},  // everything pruned: one channel stays
                            {"dense0", {12, 100}}};
  const LayerGraph g = build_layer_graph(a, {12, 12, 2}, 10, pruned);
  EXPECT_EQ(out_shape(g, "b0.l0.conv"), (TensorShape{10, 10, 3}));
  EXPECT_EQ(g.op(g.find_op("b0.l0.conv")).nonzero_weights, 20);
  EXPECT_EQ(out_shape(g, "b1.l0.conv"), (TensorShape{10, 10, 1}));
  // the branch's last layer keeps the dense wiring (8, not listed as pruned): 3x3x1x8 weights,
  // and the Add zero-pads the serial block's 3 channels to 8
  EXPECT_EQ(out_shape(g, "b1.l1.conv"), (TensorShape{8, 8, 8}));
  EXPECT_EQ(g.op(g.find_op("b1.l1.conv")).weights, 72);
  EXPECT_EQ(g.op(g.find_op("dense0")).weights, 10 * 10 * 8 * 12);
  EXPECT_EQ(g.op(g.find_op("classifier")).weights, 12 * 10);
}

TEST(BuildLayerGraph, AddTakesTheLargestChannelCountOfPrunedInputs) {
  const Architecture a{{serial({conv(3, 8)}), branch({conv(3, 4)})}, std::nullopt, {DenseBlock{20}}};
  const LayerGraph g = build_layer_graph(a, {12, 12, 2}, 10, {{"b1.l0.conv", {5, std::nullopt}}});
  EXPECT_EQ(out_shape(g, "add0"), (TensorShape{10, 10, 8}));
}

TEST(BuildLayerGraph, PruningTheSerialBlockDoesNotRewireItsBranches) {
  // The trainer prunes the serial conv and the branch's wiring-fixed conv separately: the branch
  // may keep more channels than the serial layer does (here 6 and 2 of 8, a projection 5 of 8).
  const Architecture a{{serial({conv(3, 8)}), branch({conv(3, 4)}), branch({dwconv(3)})}, std::nullopt, {DenseBlock{20}}};
  const PrunedLayers pruned{{"b0.l0.conv", {2, std::nullopt}}, {"b1.l0.conv", {6, std::nullopt}}, {"b2.proj", {5, std::nullopt}}};
  const LayerGraph g = build_layer_graph(a, {12, 12, 2}, 10, pruned);
  EXPECT_EQ(out_shape(g, "b0.l0.conv").channels, 2);
  EXPECT_EQ(out_shape(g, "b1.l0.conv").channels, 6);
  EXPECT_EQ(out_shape(g, "b2.proj").channels, 5);
  EXPECT_EQ(out_shape(g, "add0").channels, 6);
  EXPECT_EQ(g.op(g.find_op("b2.proj")).weights, 2 * 5);  // reads the input's 2 channels
  // Past the dense wiring is still an error.
  EXPECT_THROW(build_layer_graph(a, {12, 12, 2}, 10, {{"b1.l0.conv", {9, std::nullopt}}}), GraphError);
}

std::string error_of(const Architecture& a, TensorShape input, int classes, const PrunedLayers& pruned = {}) {
  try {
    build_layer_graph(a, input, classes, pruned);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(BuildLayerGraph, BadTasksAndPruningEntriesAreClearErrors) {
  const Architecture a{{serial({conv(3, 8)})}, std::nullopt, {DenseBlock{20}}};
  EXPECT_EQ(error_of(a, {0, 4, 1}, 10), "input shape 0x4x1: every dimension must be at least 1");
  EXPECT_EQ(error_of(a, {8, 8, 1}, 1), "1 classes: a task needs at least 2");
  EXPECT_EQ(error_of(a, {8, 8, 1}, 10, {{"b3.l0.conv", {1, std::nullopt}}}),
            "pruned layer \"b3.l0.conv\": the network has no such layer");
  EXPECT_EQ(error_of(a, {8, 8, 1}, 10, {{"b0.l0.conv", {9, std::nullopt}}}),
            "pruned layer \"b0.l0.conv\": 9 kept outputs, but it has only 8");
  EXPECT_EQ(error_of(a, {8, 8, 1}, 10, {{"classifier", {5, std::nullopt}}}),
            "pruned layer \"classifier\": the final layer is never pruned");
}

}  // namespace
}  // namespace unas::resources
