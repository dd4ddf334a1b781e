#pragma once
// DPF, Dynamic Model Pruning with Feedback (Lin et al. 2020), as the authors apply it:
// - structured: a group is an output channel (conv) or unit (dense), its saliency the L2 norm;
//   unstructured: a group is one weight, its saliency |w|; one global threshold (linear
//   quantile) over all groups removes the current fraction s_t;
// - s_t = s_f (1 − (1 − (t − t0)/(tn − t0))^3) over the 0-based epochs t0 = start − 1 ..
//   tn = finish − 1; masks are recomputed every 16 iterations while pruning is active;
// - forward and backward run on the masked weights, the update lands on the dense weights;
// - never pruned: the classifier, and (structured) layers with a single group — depthwise
//   kernels have one output group per input channel and keep their channels.
#include <torch/torch.h>

#include <vector>

#include "resources/build_layer_graph.h"
#include "train/candidate_model.h"

namespace unas::train {

struct PruningConfig {
  bool structured = true;
  int start_epoch = 1;   // 1-based, as in the authors' configs
  int finish_epoch = 1;  // pruning reaches its target at the start of this epoch
  int update_every = 16; // iterations between mask updates
};

class DpfPruner {
 public:
  DpfPruner(std::vector<PrunableWeight> weights, const PruningConfig& config, double target_sparsity);

  void start_epoch(int epoch);  // 0-based
  void before_batch();          // update masks if due, keep the dense weights, apply masks
  void before_step();           // restore the dense weights the update applies to
  void apply_masks();           // leave the weights masked (evaluation, end of training)

  bool active() const;          // pruning happens in this epoch
  double sparsity() const { return sparsity_; }

  // What survives, per op: kept output channels/units and non-zero weights.
  resources::PrunedLayers pruned_layers() const;

 private:
  void update_masks();

  std::vector<PrunableWeight> weights_;
  std::vector<torch::Tensor> masks_;  // same shape as the weights
  std::vector<torch::Tensor> dense_;  // dense values kept across a batch
  PruningConfig config_;
  double target_;
  double sparsity_ = 0.0;
  int epoch_ = 0;
  int iteration_ = 0;
};

}  // namespace unas::train
