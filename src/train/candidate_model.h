#pragma once
// A trainable torch module with exactly the layer graph the resource model measures: one torch
// layer per graph op, wired by the graph's tensor ids, so shapes and branch wiring cannot
// disagree with the PMU / model size / MACs figures.
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "resources/layer_graph.h"

namespace unas::train {

// A weight matrix DPF may prune, with the graph op it belongs to.
// Keras' BatchNormalization epsilon, which the authors' models trained with.
inline constexpr double kBatchNormEpsilon = 1e-3;

// One tensor of the model's state under its stable name (common/weights.h): "<op name>.weight",
// ".bias", and for batch norm ".bn.weight", ".bn.bias", ".bn.running_mean", ".bn.running_var".
struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
  bool parameter = true;  // false for batch-norm running statistics
};

struct PrunableWeight {
  std::string op_name;
  resources::OpKind kind;
  torch::Tensor weight;  // conv: out×in×K×K, dense: out×in; dim 0 indexes the output groups
};

// Sees every tensor of a forward pass, by graph tensor id, the network input first (calibration).
using TensorObserver = std::function<void(int tensor, const torch::Tensor& value)>;

class CandidateModelImpl : public torch::nn::Module {
 public:
  // `dropout` is applied before every dense layer but the classifier (the authors' rule).
  CandidateModelImpl(const resources::LayerGraph& graph, double dropout);

  // `shapes`, when given, receives the output shape (H, W, C) of every op in graph order.
  // `observe`, when given, is shown each tensor as it is computed.
  torch::Tensor forward(const torch::Tensor& input, std::vector<resources::TensorShape>* shapes = nullptr,
                        const TensorObserver* observe = nullptr);

  // Kernels of convolutions and dense layers, the classifier excluded, in graph order.
  std::vector<PrunableWeight> prunable_weights() const;

  // Every parameter and batch-norm statistic, op by op in graph order. The tensors are the
  // module's own (writing to them changes the model).
  std::vector<NamedTensor> named_state() const;

  const resources::LayerGraph& graph() const { return graph_; }

 private:
  resources::LayerGraph graph_;
  double dropout_;
  std::vector<torch::nn::Conv2d> convs_;    // per op, empty where the op is not a convolution
  std::vector<torch::nn::BatchNorm2d> norms_;
  std::vector<torch::nn::Linear> denses_;
};
TORCH_MODULE(CandidateModel);

}  // namespace unas::train
