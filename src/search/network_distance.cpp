#include "search/network_distance.h"

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "resources/macs.h"

namespace unas::search {

namespace {

using resources::OpKind;

constexpr double kStructureWeight = 0.1;
constexpr double kLeaveCost = 1.0;  // per unit of mass left untransported, on either side

LayerGroup group_of(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2D:
    case OpKind::kDepthwiseConv2D: return LayerGroup::kConv;
    case OpKind::kMaxPool:
    case OpKind::kAvgPool: return LayerGroup::kPool;
    case OpKind::kAdd: return LayerGroup::kAdd;
    case OpKind::kDense: return LayerGroup::kDense;
  }
  throw std::logic_error("group_of: unknown op kind");
}

struct PathLengths {
  double shortest = 0.0, longest = 0.0, random_walk = 0.0;
};

// Lengths of paths from a start node, given each node's predecessors in a topological order:
// shortest, longest, and the expected length of a walk that steps to a uniformly chosen
// predecessor until it reaches the start.
std::vector<PathLengths> path_lengths(const std::vector<std::vector<int>>& predecessors) {
  std::vector<PathLengths> l(predecessors.size());
  for (std::size_t n = 1; n < predecessors.size(); ++n) {
    const auto& p = predecessors[n];
    if (p.empty()) throw std::logic_error("path_lengths: a node without predecessors");
    PathLengths x{std::numeric_limits<double>::infinity(), 0.0, 0.0};
    for (int q : p) {
      x.shortest = std::min(x.shortest, l[q].shortest + 1);
      x.longest = std::max(x.longest, l[q].longest + 1);
      x.random_walk += (l[q].random_walk + 1) / static_cast<double>(p.size());
    }
    l[n] = x;
  }
  return l;
}

// Gain of the transport within one group: Σ flow·(2·leave − cost), the most mass-weighted
// saving over leaving everything where it is. Exact, by min-cost flow.
double transport_gain(const std::vector<OtLayer>& a, const std::vector<OtLayer>& b, LayerGroup group) {
  if (a.empty() || b.empty()) return 0.0;
  if (a.size() == 1 && b.size() == 1) {
    const double saving = 2 * kLeaveCost - transport_cost(a[0], b[0], group);
    return saving > 0 ? saving * static_cast<double>(std::min(a[0].mass, b[0].mass)) : 0.0;
  }
  // Layers of a supply mass, layers of b demand it; a "keep" node on each side absorbs what
  // stays, and moving it costs nothing, so only the savings (negative costs) drive the flow.
  // The graph is built before its maps exist: maps attached earlier would grow with every arc.
  lemon::SmartDigraph g;
  const int na = static_cast<int>(a.size()), nb = static_cast<int>(b.size());
  g.reserveNode(na + nb + 2);
  g.reserveArc(na * nb + na + nb + 1);
  for (int k = 0; k < na + nb + 2; ++k) g.addNode();
  const auto node = [&](int k) { return g.nodeFromId(k); };
  const int keep_a = na + nb, keep_b = na + nb + 1;
  std::vector<double> arc_cost;
  arc_cost.reserve(static_cast<std::size_t>(na * nb + na + nb + 1));
  for (int i = 0; i < na; ++i)
    for (int j = 0; j < nb; ++j) {
      const double saving = 2 * kLeaveCost - transport_cost(a[i], b[j], group);
      if (saving <= 0) continue;
      g.addArc(node(i), node(na + j));
      arc_cost.push_back(-saving);
    }
  for (int i = 0; i < na; ++i) g.addArc(node(i), node(keep_b)), arc_cost.push_back(0.0);
  for (int j = 0; j < nb; ++j) g.addArc(node(keep_a), node(na + j)), arc_cost.push_back(0.0);
  g.addArc(node(keep_a), node(keep_b)), arc_cost.push_back(0.0);

  lemon::SmartDigraph::NodeMap<std::int64_t> supply(g);
  std::int64_t mass_a = 0, mass_b = 0;
  for (int i = 0; i < na; ++i) supply[node(i)] = a[i].mass, mass_a += a[i].mass;
  for (int j = 0; j < nb; ++j) supply[node(na + j)] = -b[j].mass, mass_b += b[j].mass;
  supply[node(keep_a)] = mass_b;   // feeds the layers of b that receive nothing
  supply[node(keep_b)] = -mass_a;  // takes the mass of a that moves nowhere
  lemon::SmartDigraph::ArcMap<double> cost(g);
  for (int k = 0; k < static_cast<int>(arc_cost.size()); ++k) cost[g.arcFromId(k)] = arc_cost[k];
  lemon::NetworkSimplex<lemon::SmartDigraph, std::int64_t, double> simplex(g);
  simplex.supplyMap(supply).costMap(cost);
  if (simplex.run() != decltype(simplex)::OPTIMAL) throw std::logic_error("network_distance: transport not solved");
  return -simplex.totalCost<double>();
}

}  // namespace

double transport_cost(const OtLayer& a, const OtLayer& b, LayerGroup group) {
  double mismatch = 0.0;
  switch (group) {
    case LayerGroup::kConv:
      mismatch = std::sqrt(2.0 * std::abs(a.kernel - b.kernel)) / 10 + 0.1 * (a.batch_norm != b.batch_norm) +
                 0.1 * (a.relu != b.relu) + 0.1 * (a.depthwise != b.depthwise);
      break;
    case LayerGroup::kPool: mismatch = 0.5 * (a.max_pool != b.max_pool); break;
    case LayerGroup::kDense: mismatch = 0.1 * (a.relu != b.relu) + 0.1 * (a.batch_norm != b.batch_norm); break;
    default: break;
  }
  double structure = 0.0;
  for (std::size_t k = 0; k < a.paths.size(); ++k) structure += std::abs(a.paths[k] - b.paths[k]);
  return mismatch + kStructureWeight * structure / static_cast<double>(a.paths.size());
}

NetworkSignature network_signature(const resources::LayerGraph& graph) {
  const auto& ops = graph.ops();
  const int n = static_cast<int>(ops.size());
  // Nodes: 0 = input, 1..n = ops in their (topological) order, n + 1 = output.
  std::vector<std::vector<int>> from_input(n + 2), to_output(n + 2);
  const auto node_of_tensor = [&](int tensor) { return tensor == graph.input() ? 0 : graph.tensor(tensor).producer + 1; };
  for (int k = 0; k < n; ++k)
    for (int t : ops[k].inputs) from_input[k + 1].push_back(node_of_tensor(t));
  from_input[n + 1].push_back(node_of_tensor(graph.output()));
  // Reverse graph, numbered from the output: node m is forward node n + 1 − m.
  for (int v = 0; v < n + 2; ++v)
    for (int u : from_input[v]) to_output[n + 1 - u].push_back(n + 1 - v);
  const auto forward = path_lengths(from_input), backward = path_lengths(to_output);

  NetworkSignature s;
  std::int64_t op_mass = 0;
  std::vector<std::int64_t> macs(n);
  for (int k = 0; k < n; ++k) op_mass += macs[k] = std::max<std::int64_t>(1, resources::op_macs(graph, ops[k]));
  const std::int64_t end_mass = std::max<std::int64_t>(op_mass / 10, 100);
  for (int v = 0; v < n + 2; ++v) {
    OtLayer l;
    const PathLengths& f = forward[v];
    const PathLengths& b = backward[n + 1 - v];
    l.paths = {f.shortest, f.longest, f.random_walk, b.shortest, b.longest, b.random_walk};
    LayerGroup group = v == 0 ? LayerGroup::kInput : LayerGroup::kOutput;
    l.mass = end_mass;
    if (v >= 1 && v <= n) {
      const auto& op = ops[v - 1];
      group = group_of(op.kind);
      l.mass = macs[v - 1];
      l.kernel = op.kernel;
      l.batch_norm = op.batch_norm;
      l.relu = op.relu;
      l.depthwise = op.kind == OpKind::kDepthwiseConv2D;
      l.max_pool = op.kind == OpKind::kMaxPool;
    }
    s.total_mass += l.mass;
    s.groups[static_cast<int>(group)].push_back(l);
  }
  return s;
}

NetworkDistance network_distance(const NetworkSignature& a, const NetworkSignature& b) {
  double gain = 0.0;
  for (int g = 0; g < kLayerGroups; ++g) gain += transport_gain(a.groups[g], b.groups[g], static_cast<LayerGroup>(g));
  const double total = static_cast<double>(a.total_mass + b.total_mass);
  const double raw = std::max(0.0, kLeaveCost * total - gain);
  return NetworkDistance{raw, raw / total};
}

}  // namespace unas::search
