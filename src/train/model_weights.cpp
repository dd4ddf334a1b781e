#include "train/model_weights.h"

#include <fmt/format.h>

#include <algorithm>

namespace unas::train {

Weights export_weights(const CandidateModelImpl& model) {
  torch::NoGradGuard no_grad;
  Weights out;
  for (const NamedTensor& t : model.named_state()) {
    const torch::Tensor value = t.tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    float* target = out.add(t.name, value.sizes().vec());
    std::copy_n(value.data_ptr<float>(), value.numel(), target);
  }
  return out;
}

torch::Tensor view_of(const Weights& weights, const TensorEntry& entry) {
  // from_blob never writes through the pointer unless asked to; callers only read the view.
  return torch::from_blob(const_cast<float*>(weights.data(entry)), entry.shape, torch::kFloat32);
}

void load_weights(CandidateModelImpl& model, const Weights& weights) {
  torch::NoGradGuard no_grad;
  for (const NamedTensor& t : model.named_state()) {
    const TensorEntry* entry = weights.find(t.name);
    if (entry == nullptr) throw WeightsError(fmt::format("weights: no tensor {}", t.name));
    if (entry->shape != t.tensor.sizes().vec())
      throw WeightsError(fmt::format("weights: {} has shape {}, the model's is {}", t.name,
                                     fmt::join(entry->shape, "x"), fmt::join(t.tensor.sizes(), "x")));
    t.tensor.copy_(view_of(weights, *entry));
  }
}

}  // namespace unas::train
