#pragma once
// Layer graphs written by hand in tests: tensors of n bytes, ops known by name.
#include <string>

#include "resources/layer_graph.h"

namespace unas::testing {

inline resources::TensorShape bytes(int n) { return resources::TensorShape{1, 1, n}; }

inline resources::Op named(std::string name, resources::OpKind kind = resources::OpKind::kConv2D) {
  resources::Op op;
  op.name = std::move(name);
  op.kind = kind;
  return op;
}

}  // namespace unas::testing
