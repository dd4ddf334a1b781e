#include "arch/morphism.h"

#include <gtest/gtest.h>

#include <map>

#include "arch/random_architecture.h"
#include "arch/search_space.h"
#include "support/architectures.h"

namespace unas::arch {
namespace {

using namespace unas::testing;

// The child `m` should make: the parent with exactly the one degree of freedom changed. Parts a
// morphism draws afresh (a new block, layer, pooling or dense block) are copied from `child`.
Architecture expected_child(const Architecture& parent, const Morphism& m, const Architecture& child) {
  Architecture e = parent;
  auto& blocks = e.conv_blocks;
  const auto b = static_cast<std::size_t>(m.block), l = static_cast<std::size_t>(m.layer);
  switch (m.kind) {
    case MorphismKind::kRemoveBlock:
      blocks.erase(blocks.begin() + m.block);
      // the documented side effect: a branch that followed a removed serial block turns serial
      if (!parent.conv_blocks[b].is_branch && b < blocks.size()) blocks[b].is_branch = false;
      break;
    case MorphismKind::kAppendBlock:
      EXPECT_EQ(child.conv_blocks.back().layers.size(), 1U);
      blocks.push_back(child.conv_blocks.back());
      break;
    case MorphismKind::kFlipBranch: blocks[b].is_branch = !blocks[b].is_branch; break;
    case MorphismKind::kRemoveLayer: blocks[b].layers.erase(blocks[b].layers.begin() + m.layer); break;
    case MorphismKind::kInsertLayer:
      blocks[b].layers.insert(blocks[b].layers.begin() + m.layer, child.conv_blocks[b].layers[l]);
      break;
    case MorphismKind::kFlipBatchNorm: blocks[b].layers[l].batch_norm ^= true; break;
    case MorphismKind::kFlipRelu: blocks[b].layers[l].relu ^= true; break;
    case MorphismKind::kFlipPrepool: blocks[b].layers[l].prepool ^= true; break;
    case MorphismKind::kFlipStride: blocks[b].layers[l].stride2 ^= true; break;
    case MorphismKind::kChangeLayerType:
      EXPECT_EQ(child.conv_blocks[b].layers[l].type, m.new_type);
      blocks[b].layers[l] = child.conv_blocks[b].layers[l];
      break;
    case MorphismKind::kChangeKernel: blocks[b].layers[l].kernel_size += m.delta; break;
    case MorphismKind::kChangeFilters: blocks[b].layers[l].filters += m.delta; break;
    case MorphismKind::kTogglePooling:
      EXPECT_NE(parent.pooling.has_value(), child.pooling.has_value());
      e.pooling = child.pooling;
      break;
    case MorphismKind::kFlipPoolType:
      e.pooling->type = e.pooling->type == PoolType::kAvg ? PoolType::kMax : PoolType::kAvg;
      break;
    case MorphismKind::kChangePoolSize: e.pooling->size += m.delta; break;
    case MorphismKind::kRemoveDense: e.dense_blocks.erase(e.dense_blocks.begin() + m.block); break;
    case MorphismKind::kAppendDense: e.dense_blocks.push_back(child.dense_blocks.back()); break;
    case MorphismKind::kChangeUnits: e.dense_blocks[b].units += m.delta; break;
  }
  return e;
}

void expect_in_search_space(const Architecture& a) {
  ASSERT_NO_THROW(validate(a));
  ASSERT_GE(a.dense_blocks.size(), static_cast<std::size_t>(bounds::kMinDenseBlocks));
}

TEST(Morphism, EveryChildDiffersFromItsParentInOneDegreeOfFreedom) {
  Rng rng(11);
  std::map<MorphismKind, int> seen;
  for (int k = 0; k < 2'000; ++k) {
    const Architecture parent = random_architecture(rng);
    for (const Morphism& m : list_morphisms(parent)) {
      const Architecture child = apply_morphism(parent, m, rng);
      expect_in_search_space(child);
      ASSERT_EQ(child, expected_child(parent, m, child)) << describe(m);
      ASSERT_NE(child, parent) << describe(m);
      seen[m.kind]++;
    }
  }
  EXPECT_EQ(seen.size(), 18U);  // every kind of morphism was exercised
}

TEST(Morphism, TenThousandRandomMorphChainsStayInBounds) {
  Rng rng(12);
  for (int chain = 0; chain < 10'000; ++chain) {
    Architecture a = random_architecture(rng);
    for (int step = 0; step < 10; ++step) {
      const Child c = random_child(a, rng);
      ASSERT_EQ(c.architecture, expected_child(a, c.morphism, c.architecture)) << describe(c.morphism);
      a = c.architecture;
      expect_in_search_space(a);
    }
  }
}

bool offers(const Architecture& a, MorphismKind kind, int delta = 0) {
  for (const Morphism& m : list_morphisms(a))
    if (m.kind == kind && m.delta == delta) return true;
  return false;
}

TEST(Morphism, MorphismsLeavingTheBoundsAreNotOffered) {
  Architecture a{{serial({conv(7, 128)})}, Pooling{PoolType::kAvg, 6}, {DenseBlock{256}}};
  EXPECT_FALSE(offers(a, MorphismKind::kRemoveBlock));
  EXPECT_FALSE(offers(a, MorphismKind::kRemoveLayer));
  EXPECT_FALSE(offers(a, MorphismKind::kRemoveDense));
  EXPECT_FALSE(offers(a, MorphismKind::kChangeFilters, +1));
  EXPECT_TRUE(offers(a, MorphismKind::kChangeFilters, -5));
  EXPECT_FALSE(offers(a, MorphismKind::kChangeKernel, +2));
  EXPECT_TRUE(offers(a, MorphismKind::kChangeKernel, -2));
  EXPECT_FALSE(offers(a, MorphismKind::kChangePoolSize, +2));
  EXPECT_FALSE(offers(a, MorphismKind::kChangeUnits, +1));
  EXPECT_FALSE(offers(a, MorphismKind::kFlipBranch));  // block 0 is always serial

  // Every block full, every width and size at its minimum.
  Architecture b{{}, Pooling{PoolType::kAvg, 2}, {DenseBlock{10}, DenseBlock{10}, DenseBlock{10}}};
  for (int i = 0; i < 10; ++i) b.conv_blocks.push_back(serial({conv(3, 1), conv(3, 1), conv(3, 1)}));
  EXPECT_FALSE(offers(b, MorphismKind::kAppendBlock));
  EXPECT_FALSE(offers(b, MorphismKind::kInsertLayer));
  EXPECT_FALSE(offers(b, MorphismKind::kAppendDense));
  for (int d : {-5, -3, -1}) {
    EXPECT_FALSE(offers(b, MorphismKind::kChangeFilters, d));
    EXPECT_FALSE(offers(b, MorphismKind::kChangeUnits, d));
  }
  EXPECT_TRUE(offers(b, MorphismKind::kChangeFilters, +5));
  EXPECT_FALSE(offers(b, MorphismKind::kChangeKernel, -2));
  EXPECT_FALSE(offers(b, MorphismKind::kChangePoolSize, -2));
  EXPECT_TRUE(offers(b, MorphismKind::kRemoveDense));
}

TEST(Morphism, LayerTypesOfferOnlyTheirOwnParameters) {
  const Architecture a{{serial({conv1x1(8)}), serial({dwconv(3)})}, std::nullopt, {DenseBlock{20}}};
  for (const Morphism& m : list_morphisms(a)) {
    if (m.block == 0 && m.layer == 0) {
      EXPECT_NE(m.kind, MorphismKind::kChangeKernel);
      EXPECT_NE(m.kind, MorphismKind::kFlipStride);
    }
    if (m.block == 1 && m.layer == 0) {
      EXPECT_NE(m.kind, MorphismKind::kChangeFilters);
    }
  }
}

TEST(Morphism, FiltersFixedByBranchWiringAreNotMorphed) {
  const Architecture a{{serial({conv(3, 8)}), branch({conv(3, 4), conv(3, 8)})}, std::nullopt, {DenseBlock{20}}};
  int on_first = 0;
  for (const Morphism& m : list_morphisms(a)) {
    if (m.kind != MorphismKind::kChangeFilters || m.block != 1) continue;
    EXPECT_EQ(m.layer, 0);
    on_first++;
  }
  EXPECT_EQ(on_first, 5);  // 4 -5 would leave the bounds
}

TEST(Morphism, WeightsReproduceTheAuthorsMenu) {
  // Three blocks, block 1 has one layer: "remove a random block" (1) + "remove block 1's only layer" (1).
  const Architecture a{{serial({conv(3, 8), conv(3, 8)}), branch({conv(3, 8)}), serial({conv(3, 8), conv(3, 8)})},
                       std::nullopt,
                       {DenseBlock{20}, DenseBlock{30}}};
  std::map<MorphismKind, double> weight;
  for (const Morphism& m : list_morphisms(a)) weight[m.kind] += m.weight;
  EXPECT_DOUBLE_EQ(weight[MorphismKind::kRemoveBlock], 2.0);
  EXPECT_DOUBLE_EQ(weight[MorphismKind::kRemoveLayer], 2.0);  // one entry per block with > 1 layer
  EXPECT_DOUBLE_EQ(weight[MorphismKind::kInsertLayer], 3.0);  // one entry per block with < 3 layers
  EXPECT_DOUBLE_EQ(weight[MorphismKind::kRemoveDense], 1.0);
  EXPECT_DOUBLE_EQ(weight[MorphismKind::kFlipBranch], 2.0);
}

TEST(Morphism, RandomChildIsDrawnWithTheMenuWeights) {
  const Architecture a{{serial({conv(3, 8), conv(5, 16)}), branch({dwconv(3)})}, Pooling{PoolType::kMax, 4}, {DenseBlock{64}}};
  const std::vector<Morphism> menu = list_morphisms(a);
  std::map<MorphismKind, double> expected;
  double total = 0;
  for (const Morphism& m : menu) {
    expected[m.kind] += m.weight;
    total += m.weight;
  }
  constexpr int kDraws = 100'000;
  std::map<MorphismKind, int> drawn;
  Rng rng(5);
  for (int k = 0; k < kDraws; ++k) drawn[random_child(a, rng).morphism.kind]++;
  for (const auto& [kind, w] : expected) {
    const double p = w / total;
    const double sigma = std::sqrt(p * (1 - p) / kDraws);
    EXPECT_NEAR(drawn[kind] / double(kDraws), p, 5 * sigma) << static_cast<int>(kind);
  }
}

TEST(Morphism, RemovingASerialBlockTurnsTheFollowingBranchSerial) {
  const Architecture a{{serial({conv(3, 8)}), serial({conv(3, 8)}), branch({conv(3, 4)})}, std::nullopt, {DenseBlock{20}}};
  Rng rng(1);
  Morphism m;
  m.kind = MorphismKind::kRemoveBlock;
  m.block = 1;
  const Architecture child = apply_morphism(a, m, rng);
  ASSERT_EQ(child.conv_blocks.size(), 2U);
  EXPECT_FALSE(child.conv_blocks[1].is_branch);
  m.block = 2;  // removing the branch itself changes nothing else
  EXPECT_FALSE(apply_morphism(a, m, rng).conv_blocks[1].is_branch);
}

TEST(Morphism, DescriptionsNameTheChange) {
  Morphism m;
  m.kind = MorphismKind::kChangeFilters;
  m.block = 1;
  m.layer = 0;
  m.delta = -3;
  EXPECT_EQ(describe(m), "conv_blocks[1].layers[0].filters -3");
  m.kind = MorphismKind::kChangeUnits;
  m.delta = 5;
  EXPECT_EQ(describe(m), "dense_blocks[1].units +5");
}

}  // namespace
}  // namespace unas::arch
