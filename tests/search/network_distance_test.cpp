#include "search/network_distance.h"

#include <gtest/gtest.h>

#include <vector>

#include "arch/morphism.h"
#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"

namespace unas::search {
namespace {

NetworkSignature signature(const arch::Architecture& a) {
  return network_signature(resources::build_layer_graph(a, {32, 32, 3}, 10));
}

std::vector<NetworkSignature> random_signatures(std::uint64_t seed, int count) {
  Rng rng(seed);
  std::vector<NetworkSignature> s;
  for (int k = 0; k < count; ++k) s.push_back(signature(arch::random_architecture(rng)));
  return s;
}

OtLayer conv(std::int64_t mass, int kernel) {
  OtLayer l;
  l.mass = mass;
  l.kernel = kernel;
  return l;
}

TEST(NetworkDistance, TransportCostsFollowTheAuthorsLabelMismatch) {
  OtLayer a = conv(1, 3), b = conv(1, 5);
  EXPECT_DOUBLE_EQ(transport_cost(a, b, LayerGroup::kConv), 0.2);  // sqrt(2·2)/10
  b.batch_norm = b.relu = b.depthwise = true;
  EXPECT_DOUBLE_EQ(transport_cost(a, b, LayerGroup::kConv), 0.5);
  b.paths = {1, 2, 1.5, 0, 0, 0};  // the structure term: 0.1 · mean |Δ path length|
  EXPECT_DOUBLE_EQ(transport_cost(a, b, LayerGroup::kConv), 0.5 + 0.1 * 4.5 / 6);
  OtLayer max_pool, avg_pool;
  max_pool.max_pool = true;
  EXPECT_DOUBLE_EQ(transport_cost(max_pool, avg_pool, LayerGroup::kPool), 0.5);
}

TEST(NetworkDistance, SolvesASmallTransportByHand) {
  // a: conv k3 of mass 100 and conv k5 of mass 50; b: conv k5 of mass 120. Moving a's k5 layer
  // costs nothing, 70 more units come from the k3 layer at 0.2 each, and a's remaining 30 units
  // stay (1 each): 70·0.2 + 30 = 44. Every other choice is dearer.
  NetworkSignature a, b;
  a.groups[static_cast<int>(LayerGroup::kConv)] = {conv(100, 3), conv(50, 5)};
  b.groups[static_cast<int>(LayerGroup::kConv)] = {conv(120, 5)};
  a.total_mass = 150;
  b.total_mass = 120;
  const NetworkDistance d = network_distance(a, b);
  EXPECT_NEAR(d.raw, 44.0, 1e-9);
  EXPECT_NEAR(d.normalised, 44.0 / 270.0, 1e-12);
  // Two layers each side, where the cheapest pairing must be seen as a whole: a k3 and a k7
  // against a k5 and a k7; the k7 pair is free, the k3 goes to k5 at 0.2.
  a.groups[static_cast<int>(LayerGroup::kConv)] = {conv(10, 3), conv(10, 7)};
  b.groups[static_cast<int>(LayerGroup::kConv)] = {conv(10, 5), conv(10, 7)};
  a.total_mass = b.total_mass = 20;
  EXPECT_NEAR(network_distance(a, b).raw, 2.0, 1e-9);
}

TEST(NetworkDistance, IsAPseudoMetricOnRandomNetworks) {
  const auto s = random_signatures(3, 40);
  int triples = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_NEAR(network_distance(s[i], s[i]).raw, 0.0, 1e-6 * static_cast<double>(s[i].total_mass));
    for (std::size_t j = 0; j < s.size(); ++j) {
      const NetworkDistance dij = network_distance(s[i], s[j]);
      ASSERT_GE(dij.normalised, 0.0);
      ASSERT_LE(dij.normalised, 1.0);
      ASSERT_NEAR(dij.raw, network_distance(s[j], s[i]).raw, 1e-6 * dij.raw + 1e-9);
      for (std::size_t k = j + 1; k < s.size(); k += 7) {
        const NetworkDistance dik = network_distance(s[i], s[k]), dkj = network_distance(s[k], s[j]);
        ASSERT_LE(dij.raw, (dik.raw + dkj.raw) * (1 + 1e-9) + 1e-6) << i << " " << j << " via " << k;
        ASSERT_LE(dij.normalised, dik.normalised + dkj.normalised + 1e-9) << i << " " << j << " via " << k;
        ++triples;
      }
    }
  }
  EXPECT_GT(triples, 1000);
}

TEST(NetworkDistance, OneMorphismAwayIsCloseComparedToRandomPairs) {
  Rng rng(11);
  double children = 0, randoms = 0;
  const int n = 60;
  for (int k = 0; k < n; ++k) {
    const arch::Architecture parent = arch::random_architecture(rng);
    const arch::Architecture child = arch::random_child(parent, rng).architecture;
    const arch::Architecture other = arch::random_architecture(rng);
    children += network_distance(signature(parent), signature(child)).normalised;
    randoms += network_distance(signature(parent), signature(other)).normalised;
  }
  EXPECT_LT(children / n, 0.5 * randoms / n) << "mean child distance " << children / n << ", random " << randoms / n;
}

TEST(NetworkDistance, IdenticalNetworksAreAtZeroAndOthersAreNot) {
  Rng rng(5);
  const arch::Architecture a = arch::random_architecture(rng);
  EXPECT_NEAR(network_distance(signature(a), signature(a)).normalised, 0.0, 1e-12);
  arch::Architecture wider = a;
  wider.dense_blocks.back().units = wider.dense_blocks.back().units == 256 ? 255 : wider.dense_blocks.back().units + 1;
  EXPECT_GT(network_distance(signature(a), signature(wider)).normalised, 0.0);
}

}  // namespace
}  // namespace unas::search
