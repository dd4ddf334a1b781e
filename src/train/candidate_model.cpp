#include "train/candidate_model.h"

namespace unas::train {

namespace F = torch::nn::functional;
using resources::OpKind;

namespace {

// Keras' defaults, which the authors' models trained with: Glorot-uniform kernels, zero biases.
void keras_init(torch::Tensor& weight, torch::Tensor& bias) {
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(weight);
  bias.zero_();
}

// Zero-pads `x` at the bottom/right (and in extra channels) up to `shape`, like the runtime's Add.
torch::Tensor pad_to(const torch::Tensor& x, const resources::TensorShape& shape) {
  const std::int64_t dc = shape.channels - x.size(1), dh = shape.height - x.size(2), dw = shape.width - x.size(3);
  if (dc == 0 && dh == 0 && dw == 0) return x;
  return F::pad(x, F::PadFuncOptions({0, dw, 0, dh, 0, dc}));
}

}  // namespace

CandidateModelImpl::CandidateModelImpl(const resources::LayerGraph& graph, double dropout)
    : graph_(graph), dropout_(dropout) {
  const auto& ops = graph_.ops();
  convs_.resize(ops.size(), nullptr);
  norms_.resize(ops.size(), nullptr);
  denses_.resize(ops.size(), nullptr);
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const resources::Op& op = ops[k];
    const resources::TensorShape& in = graph_.tensor(op.inputs.front()).shape;
    const resources::TensorShape& out = graph_.tensor(op.output).shape;
    const std::string name = "op" + std::to_string(k);
    if (op.kind == OpKind::kConv2D || op.kind == OpKind::kDepthwiseConv2D) {
      auto options = torch::nn::Conv2dOptions(in.channels, out.channels, op.kernel).stride(op.stride);
      if (op.kind == OpKind::kDepthwiseConv2D) options.groups(in.channels);
      convs_[k] = register_module(name, torch::nn::Conv2d(options));
      keras_init(convs_[k]->weight, convs_[k]->bias);
      if (op.batch_norm)  // Keras' BatchNormalization: momentum 0.99, epsilon 1e-3
        norms_[k] = register_module(name + "_bn", torch::nn::BatchNorm2d(torch::nn::BatchNormOptions(out.channels)
                                                                              .momentum(0.01)
                                                                              .eps(kBatchNormEpsilon)));
    } else if (op.kind == OpKind::kDense) {
      denses_[k] = register_module(name, torch::nn::Linear(in.elements(), out.channels));
      keras_init(denses_[k]->weight, denses_[k]->bias);
    }
  }
}

torch::Tensor CandidateModelImpl::forward(const torch::Tensor& input, std::vector<resources::TensorShape>* shapes,
                                          const TensorObserver* observe) {
  std::vector<torch::Tensor> values(graph_.tensors().size());
  values[static_cast<std::size_t>(graph_.input())] = input;
  if (observe) (*observe)(graph_.input(), input);
  const auto& ops = graph_.ops();
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const resources::Op& op = ops[k];
    const torch::Tensor& x = values[static_cast<std::size_t>(op.inputs.front())];
    torch::Tensor y;
    switch (op.kind) {
      case OpKind::kConv2D:
      case OpKind::kDepthwiseConv2D:
        y = convs_[k]->forward(x);
        if (norms_[k]) y = norms_[k]->forward(y);
        break;
      case OpKind::kMaxPool:
        y = F::max_pool2d(x, F::MaxPool2dFuncOptions({op.pool_height, op.pool_width}).ceil_mode(true));
        break;
      case OpKind::kAvgPool:
        y = F::avg_pool2d(x, F::AvgPool2dFuncOptions({op.pool_height, op.pool_width}).ceil_mode(true));
        break;
      case OpKind::kAdd: {
        const resources::TensorShape& shape = graph_.tensor(op.output).shape;
        y = pad_to(x, shape);
        for (std::size_t m = 1; m < op.inputs.size(); ++m) y = y + pad_to(values[static_cast<std::size_t>(op.inputs[m])], shape);
        break;
      }
      case OpKind::kDense: {
        y = x.flatten(1);
        if (op.relu && dropout_ > 0.0) y = F::dropout(y, F::DropoutFuncOptions().p(dropout_).training(is_training()));
        y = denses_[k]->forward(y);
        break;
      }
    }
    if (op.relu) y = torch::relu(y);
    if (observe) (*observe)(op.output, y);
    if (shapes) {
      const bool flat = y.dim() == 2;
      shapes->push_back({flat ? 1 : static_cast<int>(y.size(2)), flat ? 1 : static_cast<int>(y.size(3)), static_cast<int>(y.size(1))});
    }
    values[static_cast<std::size_t>(op.output)] = std::move(y);
    // Free what no later op reads, as the runtime would.
    for (int t : op.inputs)
      if (graph_.tensor(t).consumers.back() == static_cast<int>(k) && t != graph_.output()) values[static_cast<std::size_t>(t)] = torch::Tensor();
  }
  return values[static_cast<std::size_t>(graph_.output())];
}

std::vector<PrunableWeight> CandidateModelImpl::prunable_weights() const {
  std::vector<PrunableWeight> out;
  const auto& ops = graph_.ops();
  for (std::size_t k = 0; k < ops.size(); ++k) {
    if (ops[k].name == "classifier") continue;
    if (convs_[k]) out.push_back({ops[k].name, ops[k].kind, convs_[k]->weight});
    if (denses_[k]) out.push_back({ops[k].name, ops[k].kind, denses_[k]->weight});
  }
  return out;
}

std::vector<NamedTensor> CandidateModelImpl::named_state() const {
  std::vector<NamedTensor> out;
  const auto& ops = graph_.ops();
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const std::string& op = ops[k].name;
    if (convs_[k]) {
      out.push_back({op + ".weight", convs_[k]->weight});
      out.push_back({op + ".bias", convs_[k]->bias});
    }
    if (norms_[k]) {
      out.push_back({op + ".bn.weight", norms_[k]->weight});
      out.push_back({op + ".bn.bias", norms_[k]->bias});
      out.push_back({op + ".bn.running_mean", norms_[k]->running_mean, false});
      out.push_back({op + ".bn.running_var", norms_[k]->running_var, false});
    }
    if (denses_[k]) {
      out.push_back({op + ".weight", denses_[k]->weight});
      out.push_back({op + ".bias", denses_[k]->bias});
    }
  }
  return out;
}

}  // namespace unas::train
