#pragma once
// SGDW and AdamW with decoupled weight decay as tfa.optimizers (the authors' optimisers) define
// it: every step first shrinks each parameter by `weight_decay` (not scaled by the learning
// rate), then applies the plain SGD-with-momentum or Adam update. The learning rate follows
// per-epoch steps.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace unas::train {

struct LearningRateStep {
  int from_epoch = 0;  // 0-based, as the authors' schedules count
  double rate = 0.01;
};

struct OptimizerConfig {
  std::string kind = "sgdw";  // "sgdw" or "adamw"
  double momentum = 0.9;      // sgdw only
  double weight_decay = 0.0;
  std::vector<LearningRateStep> schedule = {{0, 0.01}};

  double rate_at(int epoch) const;
};

class DecoupledOptimizer {
 public:
  DecoupledOptimizer(std::vector<torch::Tensor> parameters, const OptimizerConfig& config);

  void start_epoch(int epoch);  // sets the learning rate of the schedule
  void zero_grad() { inner_->zero_grad(); }
  void step();

 private:
  std::vector<torch::Tensor> parameters_;
  OptimizerConfig config_;
  std::unique_ptr<torch::optim::Optimizer> inner_;
};

}  // namespace unas::train
