#include "resources/model_size.h"

namespace unas::resources {

std::int64_t model_size_bytes(const LayerGraph& graph, bool sparse) {
  std::int64_t total = 0;
  for (const Op& op : graph.ops()) {
    const std::int64_t weights = sparse && op.nonzero_weights ? *op.nonzero_weights : op.weights;
    total += weights + op.biases;
  }
  return total;
}

}  // namespace unas::resources
