#include "arch/architecture.h"

#include <gtest/gtest.h>

#include "support/architectures.h"

namespace unas::arch {
namespace {

using namespace unas::testing;

Architecture small() { return Architecture{{serial({conv(3, 8)})}, std::nullopt, {DenseBlock{16}}}; }

std::string error_of(const Architecture& a) {
  try {
    validate(a);
  } catch (const ArchitectureError& e) {
    return e.what();
  }
  return "";
}

TEST(Architecture, ValidArchitecturePasses) { EXPECT_EQ(error_of(small()), ""); }

TEST(Architecture, ErrorsNameTheField) {
  Architecture a = small();
  a.conv_blocks[0].layers[0].filters = 129;
  EXPECT_EQ(error_of(a), "conv_blocks[0].layers[0].filters: 129 is outside 1..128");

  a = small();
  a.conv_blocks[0].layers[0].kernel_size = 4;
  EXPECT_EQ(error_of(a), "conv_blocks[0].layers[0].ker_size: 4 is not one of 3, 5, 7");

  a = small();
  a.conv_blocks[0].is_branch = true;
  EXPECT_EQ(error_of(a), "conv_blocks[0].is_branch: the first block must be serial");

  a = small();
  a.conv_blocks.push_back(serial({}));
  EXPECT_EQ(error_of(a), "conv_blocks[1].layers: 0 entries, expected 1..3");

  a = small();
  a.pooling = Pooling{PoolType::kMax, 3};
  EXPECT_EQ(error_of(a), "pooling.pool_size: 3 is not one of 2, 4, 6");

  a = small();
  a.dense_blocks = {DenseBlock{16}, DenseBlock{9}};
  EXPECT_EQ(error_of(a), "dense_blocks[1].units: 9 is outside 10..256");

  a = small();
  a.conv_blocks.assign(11, serial({conv(3, 8)}));
  EXPECT_EQ(error_of(a), "conv_blocks: 11 entries, expected 1..10");
}

TEST(Architecture, CanonicalFormOfLayerTypes) {
  Architecture a = small();
  a.conv_blocks[0].layers[0] = conv1x1(4);
  a.conv_blocks[0].layers[0].stride2 = true;
  EXPECT_EQ(error_of(a), "conv_blocks[0].layers[0].2x_stride: a 1x1 convolution always has stride 1");
  a.conv_blocks[0].layers[0] = dwconv(3);
  a.conv_blocks[0].layers[0].filters = 5;
  EXPECT_EQ(error_of(a), "conv_blocks[0].layers[0].filters: a depthwise convolution keeps its input channels");
}

TEST(Architecture, ZeroDenseBlocksIsAWellFormedNetwork) {
  Architecture a = small();
  a.dense_blocks.clear();
  EXPECT_EQ(error_of(a), "");
}

TEST(Architecture, WiringFixesTheFiltersOfABranchsLastFullOr1x1Layer) {
  const ConvBlock b = branch({conv(3, 8), conv1x1(4)});
  EXPECT_FALSE(filters_fixed_by_wiring(b, 0));
  EXPECT_TRUE(filters_fixed_by_wiring(b, 1));
  EXPECT_FALSE(filters_fixed_by_wiring(branch({conv(3, 8), dwconv(3)}), 1));  // a projection follows instead
  EXPECT_FALSE(filters_fixed_by_wiring(serial({conv(3, 8)}), 0));
}

}  // namespace
}  // namespace unas::arch
