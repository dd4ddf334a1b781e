#include "train/dpf_pruner.h"

#include <cmath>

namespace unas::train {

namespace {

bool pruned_structurally(const PrunableWeight& w) {
  return w.kind != resources::OpKind::kDepthwiseConv2D && w.weight.size(0) > 1;
}

// Saliency of each group: L2 norm of an output channel/unit, or |w| of each weight.
torch::Tensor saliency(const torch::Tensor& w, bool structured) {
  return structured ? w.reshape({w.size(0), -1}).norm(2, 1) : w.abs().reshape({-1});
}

}  // namespace

DpfPruner::DpfPruner(std::vector<PrunableWeight> weights, const PruningConfig& config, double target_sparsity)
    : config_(config), target_(target_sparsity) {
  for (PrunableWeight& w : weights)
    if (!config_.structured || pruned_structurally(w)) weights_.push_back(std::move(w));
  for (const PrunableWeight& w : weights_) {
    masks_.push_back(torch::ones_like(w.weight));
    dense_.push_back(torch::empty_like(w.weight));
  }
}

bool DpfPruner::active() const { return epoch_ >= config_.start_epoch - 1 && epoch_ <= config_.finish_epoch - 1; }

void DpfPruner::start_epoch(int epoch) {
  epoch_ = epoch;
  iteration_ = 0;
  if (!active()) return;
  const int t0 = config_.start_epoch - 1, tn = config_.finish_epoch - 1;
  const double progress = tn > t0 ? static_cast<double>(epoch - t0) / (tn - t0) : 1.0;
  sparsity_ = target_ * (1.0 - std::pow(1.0 - progress, 3));
}

void DpfPruner::update_masks() {
  if (weights_.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> saliencies;
  for (const PrunableWeight& w : weights_) saliencies.push_back(saliency(w.weight, config_.structured));
  const torch::Tensor all = torch::cat(saliencies).to(torch::kFloat64);
  const double threshold = torch::quantile(all, sparsity_).item<double>();
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    const torch::Tensor keep = (saliencies[k].to(torch::kFloat64) >= threshold).to(masks_[k].dtype());
    if (config_.structured) {
      std::vector<std::int64_t> shape(static_cast<std::size_t>(masks_[k].dim()), 1);
      shape[0] = -1;
      masks_[k].copy_(keep.reshape(shape).expand_as(masks_[k]));
    } else {
      masks_[k].copy_(keep.reshape(masks_[k].sizes()));
    }
  }
}

void DpfPruner::before_batch() {
  if (active() && iteration_ % config_.update_every == 0) update_masks();
  ++iteration_;
  torch::NoGradGuard no_grad;
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    dense_[k].copy_(weights_[k].weight);
    weights_[k].weight.mul_(masks_[k]);
  }
}

void DpfPruner::before_step() {
  torch::NoGradGuard no_grad;
  for (std::size_t k = 0; k < weights_.size(); ++k) weights_[k].weight.copy_(dense_[k]);
}

void DpfPruner::apply_masks() {
  torch::NoGradGuard no_grad;
  for (std::size_t k = 0; k < weights_.size(); ++k) weights_[k].weight.mul_(masks_[k]);
}

resources::PrunedLayers DpfPruner::pruned_layers() const {
  resources::PrunedLayers out;
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    const torch::Tensor nonzero_per_group = (weights_[k].weight * masks_[k]).ne(0).reshape({weights_[k].weight.size(0), -1}).sum(1);
    resources::PrunedLayer layer;
    if (weights_[k].kind != resources::OpKind::kDepthwiseConv2D)
      layer.kept_outputs = static_cast<int>(nonzero_per_group.gt(0).sum().item<std::int64_t>());
    if (!config_.structured) layer.nonzero_weights = nonzero_per_group.sum().item<std::int64_t>();
    out[weights_[k].op_name] = layer;
  }
  return out;
}

}  // namespace unas::train
