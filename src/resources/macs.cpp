#include "resources/macs.h"

namespace unas::resources {

std::int64_t op_macs(const LayerGraph& graph, const Op& op) {
  const TensorShape& out = graph.tensor(op.output).shape;
  const TensorShape& in = graph.tensor(op.inputs.front()).shape;
  const std::int64_t window = std::int64_t{op.kernel} * op.kernel;
  switch (op.kind) {
    case OpKind::kConv2D: return out.elements() * window * in.channels;
    case OpKind::kDepthwiseConv2D: return out.elements() * window;
    case OpKind::kMaxPool:
    case OpKind::kAvgPool: return out.elements() * op.pool_height * op.pool_width;
    case OpKind::kDense: return in.elements() * out.elements();
    case OpKind::kAdd: return static_cast<std::int64_t>(op.inputs.size() - 1) * out.elements();
  }
  return 0;
}

std::int64_t macs(const LayerGraph& graph) {
  std::int64_t total = 0;
  for (const Op& op : graph.ops()) total += op_macs(graph, op);
  return total;
}

}  // namespace unas::resources
