#include "search/candidate_pool.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "arch/json_io.h"
#include "resources/build_layer_graph.h"
#include "resources/resource_figures.h"
#include "search/aging_evolution.h"

namespace unas::search {

namespace {

resources::PrunedLayers estimated_pruning(const resources::LayerGraph& dense, double sparsity, bool unstructured) {
  resources::PrunedLayers pruned;
  for (const auto& op : dense.ops()) {
    if (!op.has_parameters() || op.name == "classifier") continue;
    if (unstructured) {
      pruned[op.name].nonzero_weights = std::llround((1.0 - sparsity) * static_cast<double>(op.weights));
    } else if (op.kind != resources::OpKind::kDepthwiseConv2D) {
      const int channels = dense.tensor(op.output).shape.channels;
      pruned[op.name].kept_outputs = std::max(1, static_cast<int>(std::lround((1.0 - sparsity) * channels)));
    }
  }
  return pruned;
}

std::string key_of(const Candidate& c) {
  return arch::to_json_text(c.architecture) + (c.sparsity ? "@" + std::to_string(*c.sparsity) : "");
}

}  // namespace

Objectives estimated_resources(const Candidate& candidate, const SearchSettings& settings) {
  auto graph = resources::build_layer_graph(candidate.architecture, settings.input, settings.num_classes);
  if (candidate.sparsity && *candidate.sparsity > 0.0)
    graph = resources::build_layer_graph(candidate.architecture, settings.input, settings.num_classes,
                                         estimated_pruning(graph, *candidate.sparsity, settings.unstructured));
  resources::ResourceOptions options;
  options.sparse = settings.unstructured;
  const auto f = resources::measure_resources(graph, options);
  return Objectives{1.0, f.peak_memory_bytes, f.model_size_bytes, f.macs};
}

std::vector<Candidate> candidate_pool(const std::vector<const Evaluated*>& parents, const SearchSettings& settings,
                                      std::int64_t id, Rng& rng, const std::vector<const Candidate*>& exclude) {
  std::set<std::string> seen;
  for (const Candidate* c : exclude) seen.insert(key_of(*c));
  const auto& bo = settings.bayes_opt;
  const auto randoms = parents.empty() ? bo.pool : static_cast<std::int64_t>(std::llround(bo.random_share * bo.pool));
  std::vector<Candidate> pool;
  for (std::int64_t k = 0; k < bo.pool; ++k) {
    Candidate c;
    if (k < randoms) {
      c = random_candidate(settings, id, rng);
    } else {
      c = child_candidate(parents[static_cast<std::size_t>(k) % parents.size()]->candidate, settings, id, rng);
    }
    if (seen.insert(key_of(c)).second) pool.push_back(std::move(c));
  }
  return pool;
}

}  // namespace unas::search
