#include <gtest/gtest.h>

#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "train/candidate_model.h"
#include "train/dpf_pruner.h"
#include "train/optimizer.h"

namespace unas::train {
namespace {

TEST(Optimizer, WeightDecayIsDecoupledAndNotScaledByTheRate) {
  torch::Tensor p = torch::full({3}, 2.0).requires_grad_(true);
  OptimizerConfig config;
  config.weight_decay = 0.1;
  config.schedule = {{0, 0.5}, {3, 0.25}};
  DecoupledOptimizer opt({p}, config);
  p.mutable_grad() = torch::zeros({3});
  opt.step();  // no gradient: only the decay acts, by (1 - 0.1), whatever the rate
  EXPECT_NEAR(p[0].item<double>(), 1.8, 1e-6);
  p.mutable_grad() = torch::ones({3});
  opt.step();  // decay, then SGD: 1.8 * 0.9 - 0.5 * 1
  EXPECT_NEAR(p[0].item<double>(), 1.8 * 0.9 - 0.5, 1e-6);
  EXPECT_DOUBLE_EQ(config.rate_at(2), 0.5);
  EXPECT_DOUBLE_EQ(config.rate_at(3), 0.25);
  EXPECT_DOUBLE_EQ(config.rate_at(99), 0.25);
  config.kind = "rmsprop";
  EXPECT_THROW(DecoupledOptimizer({p}, config), std::invalid_argument);
}

std::vector<PrunableWeight> weights_of(std::uint64_t seed, CandidateModel& holder) {
  Rng rng(seed);
  arch::Architecture a = arch::random_architecture(rng);
  holder = CandidateModel(resources::build_layer_graph(a, {24, 24, 3}, 10), 0.0);
  return holder->prunable_weights();
}

TEST(DpfPruner, CubicScheduleFromStartToFinishEpoch) {
  CandidateModel model(nullptr);
  DpfPruner pruner(weights_of(1, model), PruningConfig{true, 3, 18, 16}, 0.8);
  std::vector<double> s;
  for (int epoch = 0; epoch < 20; ++epoch) {
    pruner.start_epoch(epoch);
    s.push_back(pruner.sparsity());
  }
  EXPECT_EQ(s[0], 0.0);
  EXPECT_EQ(s[2], 0.0);  // epoch 3 (1-based) starts at zero
  EXPECT_NEAR(s[9], 0.8 * (1 - std::pow(1 - 7.0 / 15, 3)), 1e-12);
  EXPECT_NEAR(s[17], 0.8, 1e-12);  // reached by epoch 18
  EXPECT_NEAR(s[19], 0.8, 1e-12);  // and held
  pruner.start_epoch(1);
  EXPECT_FALSE(pruner.active());
  pruner.start_epoch(17);
  EXPECT_TRUE(pruner.active());
  pruner.start_epoch(18);
  EXPECT_FALSE(pruner.active());
}

// Fraction of structurally prunable groups whose mask is off after pruning to `target`.
TEST(DpfPruner, StructuredTargetHalfRemovesHalfTheGroups) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CandidateModel model(nullptr);
    const auto weights = weights_of(seed, model);
    DpfPruner pruner(weights, PruningConfig{true, 1, 1, 16}, 0.5);
    pruner.start_epoch(0);  // start == finish: the full target at once
    pruner.before_batch();
    pruner.apply_masks();
    std::int64_t groups = 0, removed = 0;
    for (const auto& w : weights) {
      if (w.kind == resources::OpKind::kDepthwiseConv2D || w.weight.size(0) == 1) {
        EXPECT_TRUE(w.weight.ne(0).any().item<bool>());  // never pruned structurally
        continue;
      }
      const torch::Tensor zero_group = w.weight.reshape({w.weight.size(0), -1}).ne(0).sum(1).eq(0);
      groups += w.weight.size(0);
      removed += zero_group.sum().item<std::int64_t>();
    }
    ASSERT_GT(groups, 0);
    EXPECT_NEAR(static_cast<double>(removed) / static_cast<double>(groups), 0.5, 0.05) << seed;
  }
}

TEST(DpfPruner, UnstructuredTargetRemovesThatFractionOfWeights) {
  CandidateModel model(nullptr);
  const auto weights = weights_of(7, model);
  DpfPruner pruner(weights, PruningConfig{false, 1, 1, 16}, 0.9);
  pruner.start_epoch(0);
  pruner.before_batch();
  pruner.apply_masks();
  std::int64_t total = 0, zero = 0;
  for (const auto& w : weights) {
    total += w.weight.numel();
    zero += w.weight.eq(0).sum().item<std::int64_t>();
  }
  EXPECT_NEAR(static_cast<double>(zero) / static_cast<double>(total), 0.9, 0.001);
  for (const auto& [name, layer] : pruner.pruned_layers()) EXPECT_TRUE(layer.nonzero_weights.has_value()) << name;
}

TEST(DpfPruner, GradientsLandOnTheDenseWeights) {
  torch::Tensor w = torch::tensor({{1.0, 0.1}, {0.2, 3.0}}).requires_grad_(true);
  DpfPruner pruner({{"dense0", resources::OpKind::kDense, w}}, PruningConfig{false, 1, 1, 16}, 0.5);
  pruner.start_epoch(0);
  pruner.before_batch();  // masks 0.1 and 0.2 away for the forward pass
  EXPECT_EQ(w.detach().eq(0).sum().item<int>(), 2);
  pruner.before_step();   // the update applies to the dense values
  EXPECT_NEAR(w[0][1].item<double>(), 0.1, 1e-7);
}

}  // namespace
}  // namespace unas::train
