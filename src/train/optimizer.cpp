#include "train/optimizer.h"

#include <stdexcept>

namespace unas::train {

double OptimizerConfig::rate_at(int epoch) const {
  double rate = schedule.front().rate;
  for (const LearningRateStep& s : schedule)
    if (epoch >= s.from_epoch) rate = s.rate;
  return rate;
}

DecoupledOptimizer::DecoupledOptimizer(std::vector<torch::Tensor> parameters, const OptimizerConfig& config)
    : parameters_(std::move(parameters)), config_(config) {
  if (config_.schedule.empty()) throw std::invalid_argument("optimizer: empty learning-rate schedule");
  const double rate = config_.rate_at(0);
  if (config_.kind == "sgdw")
    inner_ = std::make_unique<torch::optim::SGD>(parameters_, torch::optim::SGDOptions(rate).momentum(config_.momentum));
  else if (config_.kind == "adamw")
    inner_ = std::make_unique<torch::optim::Adam>(parameters_, torch::optim::AdamOptions(rate).eps(1e-7));  // Keras' epsilon
  else
    throw std::invalid_argument("optimizer: unknown kind \"" + config_.kind + "\" (sgdw, adamw)");
}

void DecoupledOptimizer::start_epoch(int epoch) {
  const double rate = config_.rate_at(epoch);
  for (auto& group : inner_->param_groups()) group.options().set_lr(rate);
}

void DecoupledOptimizer::step() {
  if (config_.weight_decay > 0.0) {
    torch::NoGradGuard no_grad;
    for (torch::Tensor& p : parameters_) p.mul_(1.0 - config_.weight_decay);
  }
  inner_->step();
}

}  // namespace unas::train
