#pragma once
// A distance between two networks in the spirit of NASBOT's OTMANN (Kandasamy et al. 2018), as
// the µNAS authors configure it for their search space: optimal transport of layer "mass"
// between the two layer graphs.
//
// - Every op of the layer graph is a layer, plus one input ("ip") and one output ("op") layer.
//   A layer's mass is its MACs (the authors' choice; it folds channels, kernel and resolution
//   into one number); ip and op weigh max(10 % of the network's MACs, 100).
// - Moving one unit of mass from layer i to layer j costs
//     label mismatch M(i, j) + 0.1 · (mean over six path lengths of |δ(i) − δ(j)|),
//   the path lengths being the shortest, longest and random-walk lengths from the input and to
//   the output. Mass of different groups (conv, pool, add, dense, ip, op) never moves across.
//   M between convolutions: sqrt(2|k − k'|)/10, + 0.1 for each of batch norm, ReLU, depthwise
//   that differs; pools: 0.5 between max and average; dense: 0.1 when ReLU differs.
// - Mass left where it is costs 1 per unit, on either side.
// d is the least total cost; the normalised distance divides it by both networks' total mass,
// so it lies in [0, 1] and compares small and large networks alike. Both are pseudo-metrics
// (NASBOT Theorem 1), zero exactly for networks with the same layer graph.
//
// Because cross-group moves are forbidden and leaving mass costs the same everywhere, the
// transport splits into one small problem per group; each is solved exactly by LEMON's network
// simplex on integer masses.
#include <array>
#include <cstdint>
#include <vector>

#include "resources/layer_graph.h"

namespace unas::search {

enum class LayerGroup { kInput, kOutput, kConv, kPool, kAdd, kDense };
inline constexpr int kLayerGroups = 6;

struct OtLayer {
  std::int64_t mass = 0;
  std::array<double, 6> paths{};  // shortest, longest, random walk: from input, then to output
  // Label properties the mismatch cost reads.
  int kernel = 0;
  bool batch_norm = false, relu = false, depthwise = false, max_pool = false;
};

// A network reduced to what the distance needs; build it once per network.
struct NetworkSignature {
  std::array<std::vector<OtLayer>, kLayerGroups> groups;
  std::int64_t total_mass = 0;
};

NetworkSignature network_signature(const resources::LayerGraph& graph);

struct NetworkDistance {
  double raw = 0.0;         // least transport cost, in MACs
  double normalised = 0.0;  // raw / (total mass of both), in [0, 1]
};

NetworkDistance network_distance(const NetworkSignature& a, const NetworkSignature& b);

// The cost of moving one unit of mass between two layers of the same group.
double transport_cost(const OtLayer& a, const OtLayer& b, LayerGroup group);

}  // namespace unas::search
