#pragma once
// Multiply-accumulate operations of one inference, the paper's latency proxy:
//   convolution  H_out·W_out·C_out·K·K·C_in      depthwise  C·H_out·W_out·K·K
//   pooling      H_out·W_out·C·P_h·P_w           dense      in·out
//   add          (terms − 1)·output elements
#include <cstdint>

#include "resources/layer_graph.h"

namespace unas::resources {

std::int64_t op_macs(const LayerGraph& graph, const Op& op);
std::int64_t macs(const LayerGraph& graph);

}  // namespace unas::resources
