#include "arch/random_architecture.h"

#include <gtest/gtest.h>

#include <array>

#include "arch/search_space.h"

namespace unas::arch {
namespace {

constexpr int kSamples = 10'000;

TEST(RandomArchitecture, SameSeedSameArchitecture) {
  Rng a(42), b(42), c(43);
  const Architecture x = random_architecture(a);
  EXPECT_EQ(x, random_architecture(b));
  EXPECT_NE(x, random_architecture(c));
}

TEST(RandomArchitecture, TenThousandDrawsStayInTheSearchSpace) {
  Rng rng(1);
  for (int k = 0; k < kSamples; ++k) {
    const Architecture a = random_architecture(rng);
    ASSERT_NO_THROW(validate(a)) << k;
    ASSERT_GE(a.dense_blocks.size(), 1U);  // the search space itself never has zero
    ASSERT_FALSE(a.conv_blocks.front().is_branch);
  }
}

// The authors' generator: uniform everywhere except ReLU 0.9, pre-pool 0.25, pooling 0.9.
// Binomial standard errors at these sample sizes are under 0.005; the tolerances are ~5 sigma.
TEST(RandomArchitecture, DrawsFollowTheAuthorsProbabilities) {
  Rng rng(7);
  int pooled = 0, layers = 0, relu = 0, prepool = 0, bn = 0, stride = 0, strided_kinds = 0, branches = 0, later_blocks = 0;
  std::array<int, 3> types{};
  std::array<int, 11> blocks{};
  std::array<int, 4> dense{};
  std::array<int, 8> kernels{};
  for (int k = 0; k < kSamples; ++k) {
    const Architecture a = random_architecture(rng);
    pooled += a.pooling.has_value();
    blocks[a.conv_blocks.size()]++;
    dense[a.dense_blocks.size()]++;
    for (std::size_t i = 0; i < a.conv_blocks.size(); ++i) {
      if (i > 0) {
        later_blocks++;
        branches += a.conv_blocks[i].is_branch;
      }
      for (const ConvLayer& l : a.conv_blocks[i].layers) {
        layers++;
        relu += l.relu;
        prepool += l.prepool;
        bn += l.batch_norm;
        types[static_cast<int>(l.type)]++;
        if (l.has_stride()) {
          strided_kinds++;
          stride += l.stride2;
          kernels[l.kernel_size]++;
        }
      }
    }
  }
  EXPECT_NEAR(pooled / double(kSamples), 0.9, 0.02);
  EXPECT_NEAR(relu / double(layers), 0.9, 0.01);
  EXPECT_NEAR(prepool / double(layers), 0.25, 0.01);
  EXPECT_NEAR(bn / double(layers), 0.5, 0.01);
  EXPECT_NEAR(stride / double(strided_kinds), 0.5, 0.015);
  EXPECT_NEAR(branches / double(later_blocks), 0.5, 0.015);
  for (int t : types) EXPECT_NEAR(t / double(layers), 1.0 / 3, 0.01);
  for (int n = 1; n <= 10; ++n) EXPECT_NEAR(blocks[n] / double(kSamples), 0.1, 0.015) << n;
  for (int n = 1; n <= 3; ++n) EXPECT_NEAR(dense[n] / double(kSamples), 1.0 / 3, 0.025) << n;
  for (int k : {3, 5, 7}) EXPECT_NEAR(kernels[k] / double(strided_kinds), 1.0 / 3, 0.015) << k;
  EXPECT_EQ(kernels[1] + kernels[2] + kernels[4] + kernels[6], 0);
}

TEST(RandomArchitecture, AppendedBlocksCanBeForcedToOneLayer) {
  Rng rng(3);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(random_conv_block(4, rng, 1).layers.size(), 1U);
  for (int k = 0; k < 100; ++k) EXPECT_FALSE(random_conv_block(0, rng).is_branch);
}

}  // namespace
}  // namespace unas::arch
