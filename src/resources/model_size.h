#pragma once
// Model size in bytes for int8 deployment: one byte per weight and bias. Batch norm is folded
// into its convolution and costs nothing. With `sparse`, a weight matrix that unstructured
// pruning thinned counts its non-zero entries instead (biases stay dense).
#include <cstdint>

#include "resources/layer_graph.h"

namespace unas::resources {

std::int64_t model_size_bytes(const LayerGraph& graph, bool sparse = false);

}  // namespace unas::resources
