#include "arch/json_io.h"

#include <gtest/gtest.h>

#include "arch/morphism.h"
#include "arch/random_architecture.h"
#include "support/architectures.h"

namespace unas::arch {
namespace {

using namespace unas::testing;

TEST(JsonIo, WritesTheAuthorsDictionaryFormat) {
  const Architecture a{{serial({conv(3, 8, true)}), branch({conv1x1(4), dwconv(5)})}, Pooling{PoolType::kAvg, 2}, {DenseBlock{32}}};
  EXPECT_EQ(to_json_text(a),
            R"({"conv_blocks":[{"is_branch":false,"layers":[{"type":"Conv2D","ker_size":3,"filters":8,"2x_stride":true,)"
            R"("has_prepool":false,"has_bn":false,"has_relu":true}]},{"is_branch":true,"layers":[{"type":"1x1Conv2D",)"
            R"("filters":4,"has_prepool":false,"has_bn":false,"has_relu":true},{"type":"DWConv2D","ker_size":5,)"
            R"("2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true}]}],)"
            R"("pooling":{"type":"avg","pool_size":2},"dense_blocks":[{"units":32}]})");
}

TEST(JsonIo, RoundTripIsTheIdentityOverRandomArchitecturesAndMorphChains) {
  Rng rng(21);
  for (int k = 0; k < 10'000; ++k) {
    Architecture a = random_architecture(rng);
    for (int step = 0; step < 3; ++step) {
      const auto parsed = parse_architectures(to_json_text(a));
      ASSERT_EQ(parsed.size(), 1U);
      ASSERT_EQ(parsed[0], a);
      a = random_child(a, rng).architecture;
    }
  }
}

TEST(JsonIo, ReadsArraysAndTheAuthorsBookkeepingKeys) {
  const auto archs = parse_architectures(R"([
    {"conv_blocks":[{"is_branch":false,"layers":[{"type":"Conv2D","ker_size":3,"filters":5,"2x_stride":false,
      "has_prepool":false,"has_bn":false,"has_relu":true,"_weights":["conv2d/kernel:0"]}]}],
     "pooling":null,"dense_blocks":[{"units":20,"activation":"relu"}],"_final_dense":{"units":10}},
    {"conv_blocks":[{"is_branch":false,"layers":[{"type":"1x1Conv2D","filters":5,"has_prepool":true,"has_bn":true,
      "has_relu":false}]}],"dense_blocks":[{"units":10}]}])");
  ASSERT_EQ(archs.size(), 2U);
  EXPECT_EQ(archs[0].dense_blocks[0].units, 20);
  EXPECT_EQ(archs[1].conv_blocks[0].layers[0].type, LayerType::kConv1x1);
  EXPECT_EQ(archs[1].conv_blocks[0].layers[0].kernel_size, 1);
  EXPECT_FALSE(archs[1].pooling.has_value());
}

std::string error_of(std::string_view text) {
  try {
    parse_architectures(text);
  } catch (const ArchitectureError& e) {
    return e.what();
  }
  return "";
}

constexpr std::string_view kLayer = R"("type":"Conv2D","ker_size":3,"filters":5,"2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true)";

std::string arch_with_layer(std::string_view layer_fields) {
  return std::string(R"({"conv_blocks":[{"is_branch":false,"layers":[{)") + std::string(layer_fields) +
         R"(}]}],"pooling":null,"dense_blocks":[{"units":10}]})";
}

TEST(JsonIo, BadInputGivesOneErrorNamingTheField) {
  EXPECT_EQ(error_of(arch_with_layer(kLayer)), "");
  EXPECT_EQ(error_of(arch_with_layer(std::string(kLayer) + R"(,"dilation":2)")),
            "conv_blocks[0].layers[0].dilation: unknown key");
  EXPECT_EQ(error_of(arch_with_layer(R"("type":"Conv2D","ker_size":3,"filters":"8","2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true)")),
            "conv_blocks[0].layers[0].filters: expected an integer, got \"8\"");
  EXPECT_EQ(error_of(arch_with_layer(R"("type":"Conv2D","ker_size":3,"filters":500,"2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true)")),
            "conv_blocks[0].layers[0].filters: 500 is outside 1..128");
  EXPECT_EQ(error_of(arch_with_layer(R"("type":"Conv2D","filters":5,"2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true)")),
            "conv_blocks[0].layers[0].ker_size: missing");
  EXPECT_EQ(error_of(arch_with_layer(R"("type":"Conv3D")")),
            "conv_blocks[0].layers[0].type: \"Conv3D\" is not one of Conv2D, 1x1Conv2D, DWConv2D");
  EXPECT_EQ(error_of(arch_with_layer(R"("type":"DWConv2D","ker_size":3,"filters":4,"2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true)")),
            "conv_blocks[0].layers[0].filters: unknown key");
  EXPECT_EQ(error_of(R"({"conv_blocks":[],"dense_blocks":[]})"), "conv_blocks: 0 entries, expected 1..10");
  EXPECT_EQ(error_of(R"({"conv_blocks":{}})"), "conv_blocks: expected an array, got {}");
  EXPECT_EQ(error_of(R"([1])"), "architecture [0]: architecture: expected an object, got 1");
  EXPECT_EQ(error_of(R"({"conv_blocks":[{"is_branch":false,"layers":[{)" + std::string(kLayer) +
                     R"(}]}],"pooling":{"type":"min","pool_size":2},"dense_blocks":[]})"),
            "pooling.type: \"min\" is not one of avg, max");
  EXPECT_TRUE(error_of("{\"conv_blocks\": [").starts_with("invalid JSON: "));
}

}  // namespace
}  // namespace unas::arch
