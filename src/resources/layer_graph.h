#pragma once
// The layer graph of a network as an int8 runtime executes it: operators that each read
// tensors and write one tensor. The resource model (peak memory, size, MACs) and the
// trainer's model builder both work from this one graph, so they cannot disagree on shapes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace unas::resources {

struct TensorShape {
  int height = 1;
  int width = 1;
  int channels = 1;

  std::int64_t elements() const { return std::int64_t{height} * width * channels; }
  bool operator==(const TensorShape&) const = default;
};

enum class OpKind { kConv2D, kDepthwiseConv2D, kMaxPool, kAvgPool, kAdd, kDense };

struct Op {
  OpKind kind{};
  std::string name;  // stable and unique, e.g. "b0.l1.conv", "b2.proj", "add1", "dense0", "classifier"
  std::vector<int> inputs;  // tensor ids
  int output = -1;          // tensor id

  int kernel = 1;  // convolutions: square kernel, already clamped to the input
  int stride = 1;
  int pool_height = 1;  // pooling: window = stride, already clamped to the input
  int pool_width = 1;
  bool batch_norm = false;  // folded into the convolution at deployment
  bool relu = false;

  std::int64_t weights = 0;  // parameters, one byte each in int8
  std::int64_t biases = 0;
  std::optional<std::int64_t> nonzero_weights;  // after unstructured pruning

  bool has_parameters() const { return kind == OpKind::kConv2D || kind == OpKind::kDepthwiseConv2D || kind == OpKind::kDense; }
};

struct Tensor {
  TensorShape shape;
  int producer = -1;  // -1 for the network input
  std::vector<int> consumers;

  std::int64_t bytes() const { return shape.elements(); }  // int8: one byte per element
};

class LayerGraph {
 public:
  explicit LayerGraph(TensorShape input_shape);

  // Appends `op` reading `inputs` and returns the id of the tensor it writes.
  // Ops must be added in an executable (topological) order.
  int add_op(Op op, std::vector<int> inputs, TensorShape output_shape);
  void set_output(int tensor) { output_ = tensor; }

  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const Tensor& tensor(int id) const { return tensors_.at(static_cast<std::size_t>(id)); }
  const Op& op(int id) const { return ops_.at(static_cast<std::size_t>(id)); }
  int input() const { return 0; }
  int output() const { return output_; }
  int find_op(const std::string& name) const;  // -1 when absent

 private:
  std::vector<Op> ops_;
  std::vector<Tensor> tensors_;
  int output_ = -1;
};

}  // namespace unas::resources
