#include <gtest/gtest.h>

#include "resources/build_layer_graph.h"
#include "resources/macs.h"
#include "resources/model_size.h"
#include "support/architectures.h"

namespace unas::resources {
namespace {

using namespace unas::testing;

TEST(ModelSizeAndMacs, WorkedExample) {
  const Architecture a{{serial({conv(3, 5)})}, std::nullopt, {}};
  const LayerGraph g = build_layer_graph(a, {32, 32, 3}, 10);
  EXPECT_EQ(model_size_bytes(g), 45'150);  // 135 + 5 conv, 45 000 + 10 final dense
  EXPECT_EQ(macs(g), 166'500);             // 121 500 conv + 45 000 dense
}

TEST(ModelSizeAndMacs, BranchyNetworkByHand) {
  // 16x16x1: S0 3x3x32 -> 14x14x32; B1 3x3x64 -> 14x14x64, 3x3/2 -> 6x6x32 (wired to 32);
  // S0 pooled 2x2 -> 7x7x32; Add -> 7x7x32; dense 10; classifier 10.
  const Architecture a{{serial({conv(3, 32)}), branch({conv(3, 64), conv(3, 16, true)})}, std::nullopt, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {16, 16, 1}, 10);
  EXPECT_EQ(model_size_bytes(g), (9 * 32 + 32) + (9 * 64 + 64) + (9 * 64 * 32 + 32) + (1568 * 10 + 10) + (10 * 10 + 10));
  EXPECT_EQ(macs(g), 14 * 14 * 32 * 9              // b0.l0
                         + 14 * 14 * 64 * 9        // b1.l0
                         + 6 * 6 * 32 * 9 * 64     // b1.l1
                         + 7 * 7 * 32 * 2 * 2      // tie-up pool
                         + 1 * 7 * 7 * 32          // add of two terms
                         + 1568 * 10 + 10 * 10);   // dense layers
}

TEST(ModelSizeAndMacs, DepthwiseAndPoolingByHand) {
  // 10x10x3: DW 3x3 -> 8x8x3 (27 + 3 parameters, 8*8*3*9 MACs); max pool 4 -> 2x2x3 (2*2*3*16 MACs)
  const Architecture a{{serial({dwconv(3)})}, Pooling{PoolType::kMax, 4}, {DenseBlock{10}}};
  const LayerGraph g = build_layer_graph(a, {10, 10, 3}, 2);
  EXPECT_EQ(model_size_bytes(g), 30 + (12 * 10 + 10) + (10 * 1 + 1));
  EXPECT_EQ(macs(g), 8 * 8 * 3 * 9 + 2 * 2 * 3 * 16 + 12 * 10 + 10 * 1);
}

TEST(ModelSizeAndMacs, SparseSizeCountsNonZeroWeightsButDenseBiases) {
  const Architecture a{{serial({conv(3, 5)})}, std::nullopt, {}};
  const LayerGraph g = build_layer_graph(a, {32, 32, 3}, 10, {{"b0.l0.conv", {std::nullopt, 40}}});
  EXPECT_EQ(model_size_bytes(g, false), 45'150);
  EXPECT_EQ(model_size_bytes(g, true), 40 + 5 + 45'000 + 10);
}

}  // namespace
}  // namespace unas::resources
