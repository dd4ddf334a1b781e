#include "resources/layer_graph.h"

#include <stdexcept>

namespace unas::resources {

LayerGraph::LayerGraph(TensorShape input_shape) { tensors_.push_back(Tensor{input_shape, -1, {}}); }

int LayerGraph::add_op(Op op, std::vector<int> inputs, TensorShape output_shape) {
  if (output_shape.elements() <= 0) throw std::logic_error("layer graph: op " + op.name + " has an empty output");
  const int op_id = static_cast<int>(ops_.size());
  for (int t : inputs) {
    if (t < 0 || t >= static_cast<int>(tensors_.size()))
      throw std::logic_error("layer graph: op " + op.name + " reads a tensor that does not exist yet");
    tensors_[static_cast<std::size_t>(t)].consumers.push_back(op_id);
  }
  const int out = static_cast<int>(tensors_.size());
  tensors_.push_back(Tensor{output_shape, op_id, {}});
  op.inputs = std::move(inputs);
  op.output = out;
  ops_.push_back(std::move(op));
  return out;
}

int LayerGraph::find_op(const std::string& name) const {
  for (std::size_t k = 0; k < ops_.size(); ++k)
    if (ops_[k].name == name) return static_cast<int>(k);
  return -1;
}

}  // namespace unas::resources
