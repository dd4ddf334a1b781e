#pragma once
// The three resource objectives of a network, computed together.
#include <cstdint>
#include <string>
#include <vector>

#include "resources/layer_graph.h"
#include "resources/peak_memory.h"

namespace unas::resources {

struct ResourceOptions {
  bool include_input = false;  // count the network input in peak memory
  bool sparse = false;         // model size counts non-zero weights (unstructured pruning)
};

struct ResourceFigures {
  std::int64_t peak_memory_bytes = 0;
  std::int64_t model_size_bytes = 0;
  std::int64_t macs = 0;
  std::vector<std::string> order;  // op names in the order that achieves the peak
};

ResourceFigures measure_resources(const LayerGraph& graph, const ResourceOptions& options = {});

}  // namespace unas::resources
