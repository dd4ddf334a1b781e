// Real training on a Fashion-MNIST subset (Debian's dataset-fashion-mnist package).
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>

#include "data/load_dataset.h"
#include "resources/resource_figures.h"
#include "support/architectures.h"
#include "support/fashion_mnist.h"
#include "train/model_weights.h"

namespace unas::train {
namespace {

using namespace unas::testing;

const data::Dataset& fashion_subset() {
  static const data::Dataset subset = fashion_mnist_head(6000, 1000, 1000);
  return subset;
}

// No batch norm: with Keras' momentum its running statistics lag far behind in a 3-epoch run.
Architecture small_cnn() {
  return Architecture{{serial({conv(3, 16), conv(3, 24, true)}), branch({conv(5, 8, true), conv1x1(24)})},
                      Pooling{PoolType::kAvg, 2},
                      {DenseBlock{64}}};
}

// DPF's global threshold compares conv channels with dense units, whose norms grow with their
// fan-in; a small dense input (pooled to 2x2) keeps both kinds in play.
Architecture pruning_cnn() {
  return Architecture{{serial({conv(3, 16), conv(3, 24, true)}), branch({conv(5, 8, true), conv1x1(24)})},
                      Pooling{PoolType::kMax, 6},
                      {DenseBlock{32}}};
}

TrainConfig quick_config() {
  TrainConfig c;
  c.optimizer.kind = "sgdw";
  c.optimizer.weight_decay = 1e-5;
  c.optimizer.schedule = {{0, 0.05}, {2, 0.02}};
  c.epochs = 3;
  c.batch_size = 64;
  c.dropout = 0.15;
  c.threads = 1;
  return c;
}

TEST(Trainer, LearnsFashionMnistAndRepeatsItselfForASeed) {
  const TrainResult a = train_candidate(small_cnn(), fashion_subset(), quick_config(), 42);
  std::printf("measured: validation error %.3f, test error %.3f, %.0f samples/s\n", a.val_error, a.test_error, a.samples_per_second);
  EXPECT_LT(a.val_error, 0.26);  // measured 0.236: 3 epochs on 6 000 augmented images
  EXPECT_LT(a.test_error, 0.28);  // measured 0.248
  ASSERT_EQ(a.val_curve.size(), 3U);
  EXPECT_EQ(a.val_error, *std::min_element(a.val_curve.begin(), a.val_curve.end()));
  EXPECT_GT(a.samples_per_second, 0.0);
  EXPECT_TRUE(a.pruned.empty());

  const TrainResult b = train_candidate(small_cnn(), fashion_subset(), quick_config(), 42);
  EXPECT_EQ(a.val_curve, b.val_curve);  // bit-identical on one CPU thread
  EXPECT_EQ(a.test_error, b.test_error);
}

TEST(Trainer, StructuredPruningShrinksTheResourceFigures) {
  TrainConfig config = quick_config();
  config.pruning = PruningConfig{true, 1, 2, 16};
  const TrainResult r = train_candidate(pruning_cnn(), fashion_subset(), config, 7, 0.5);
  std::printf("measured: validation error %.3f after pruning to %.2f\n", r.val_error, r.final_sparsity);
  EXPECT_DOUBLE_EQ(r.final_sparsity, 0.5);
  ASSERT_FALSE(r.pruned.empty());
  EXPECT_EQ(r.val_curve.size(), 3U);
  EXPECT_EQ(r.val_error, r.val_curve[2]);  // only the epoch after pruning finished counts
  EXPECT_LT(r.val_error, 0.40);  // measured 0.31 (chance is 0.9)

  // Half of all prunable output groups are gone.
  const resources::LayerGraph dense = resources::build_layer_graph(pruning_cnn(), {28, 28, 1}, 10);
  std::int64_t groups = 0, kept = 0;
  for (const auto& [name, layer] : r.pruned) {
    groups += dense.tensor(dense.op(dense.find_op(name)).output).shape.channels;
    kept += *layer.kept_outputs;
  }
  EXPECT_NEAR(1.0 - static_cast<double>(kept) / static_cast<double>(groups), 0.5, 0.05);

  // The pruned network's figures, computed by hand from the kept channels, and by the model.
  const resources::LayerGraph pruned = resources::build_layer_graph(pruning_cnn(), {28, 28, 1}, 10, r.pruned);
  const auto before = resources::measure_resources(dense);
  const auto after = resources::measure_resources(pruned);
  EXPECT_LT(after.model_size_bytes, before.model_size_bytes);
  EXPECT_LT(after.macs, before.macs);
  EXPECT_LE(after.peak_memory_bytes, before.peak_memory_bytes);
  // A layer keeps at least one channel even when every group was pruned.
  const auto k = [&](const char* op) {
    const auto it = r.pruned.find(op);
    const int wired = dense.tensor(dense.op(dense.find_op(op)).output).shape.channels;
    return std::max<std::int64_t>(1, it == r.pruned.end() ? wired : *it->second.kept_outputs);
  };
  // b0.l0 3x3 from 1 channel; b0.l1 3x3 from b0.l0; b1.l0 5x5 from the input; b1.l1 1x1 from
  // b1.l0; dense0 reads the 12x12 sum max-pooled by 6 to 2x2, as wide as b0.l1 or b1.l1.
  const std::int64_t sum_channels = std::max(k("b0.l1.conv"), k("b1.l1.conv"));
  const std::int64_t expected = (9 * 1 * k("b0.l0.conv") + k("b0.l0.conv")) + (9 * k("b0.l0.conv") * k("b0.l1.conv") + k("b0.l1.conv")) +
                                (25 * 1 * k("b1.l0.conv") + k("b1.l0.conv")) + (k("b1.l0.conv") * k("b1.l1.conv") + k("b1.l1.conv")) +
                                (2 * 2 * sum_channels * k("dense0") + k("dense0")) + (k("dense0") * 10 + 10);
  EXPECT_EQ(after.model_size_bytes, expected);
}

TEST(Trainer, PruningThatEndsInTheLastEpochCountsThatEpoch) {
  TrainConfig config = quick_config();
  config.epochs = 2;
  config.pruning = PruningConfig{true, 1, 2, 16};
  const TrainResult r = train_candidate(pruning_cnn(), fashion_subset(), config, 3, 0.3);
  ASSERT_EQ(r.val_curve.size(), 2U);
  EXPECT_EQ(r.val_error, r.val_curve[1]);
  EXPECT_LT(r.val_error, 0.9);
}

// The weights a run returns are the trained model: loaded into a fresh model they classify
// the test split exactly as the trainer measured. A child that inherits them (one unit wider
// dense layer, a function-preserving morphism) starts where its parent ended: one short epoch
// at a small learning rate keeps it near its parent's error, far below what one epoch from
// scratch reaches.
TEST(Trainer, WeightsAreTheTrainedModelAndAChildStartsFromThem) {
  const TrainResult parent = train_candidate(small_cnn(), fashion_subset(), quick_config(), 42);
  ASSERT_FALSE(parent.weights.empty());
  const data::Dataset& data = fashion_subset();
  CandidateModel reloaded(resources::build_layer_graph(small_cnn(), data.input, data.num_classes), 0.0);
  load_weights(*reloaded, parent.weights);
  reloaded->eval();
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor rows = torch::arange(data.test.size());
    const torch::Tensor predicted = reloaded->forward(data.inputs(data.test, rows, nullptr)).argmax(1);
    const double error = 1.0 - predicted.eq(data.test.labels).to(torch::kFloat64).mean().item<double>();
    EXPECT_NEAR(error, parent.test_error, 1e-9);
  }

  Architecture wider = small_cnn();
  wider.dense_blocks[0].units += 1;
  arch::Morphism m;
  m.kind = arch::MorphismKind::kChangeUnits;
  m.block = 0;
  m.delta = 1;
  const Inheritance from{small_cnn(), parent.weights, m};
  TrainConfig gentle = quick_config();
  gentle.epochs = 1;
  gentle.optimizer.schedule = {{0, 0.005}};
  const TrainResult child = train_candidate(wider, data, gentle, 7, 0.0, &from);
  const TrainResult scratch = train_candidate(wider, data, gentle, 7);
  std::printf("measured: parent %.3f, inheriting child after 1 epoch %.3f, from scratch %.3f (%.0f %% inherited)\n",
              parent.val_error, child.val_error, scratch.val_error, 100 * child.inheritance->inherited_fraction());
  ASSERT_TRUE(child.inheritance);
  EXPECT_GT(child.inheritance->inherited_fraction(), 0.98);
  EXPECT_LT(child.val_error, parent.val_error + 0.03);
  EXPECT_LT(child.val_error, scratch.val_error - 0.1);
  EXPECT_FALSE(scratch.inheritance);
}

// Early stopping ends training after a rung whose threshold the validation error exceeds; a
// threshold it meets lets it go on.
TEST(Trainer, EarlyStoppingEndsTrainingAtAFailedRung) {
  TrainConfig c = quick_config();
  c.stop_rungs = {{1, 1.0}, {2, 0.0}};  // nobody fails the first; everybody fails the second
  const TrainResult r = train_candidate(small_cnn(), fashion_subset(), c, 42);
  EXPECT_EQ(r.stopped_at_epoch, 2);
  ASSERT_EQ(r.val_curve.size(), 2U);
  EXPECT_EQ(r.val_error, r.val_curve.back());
  EXPECT_TRUE(r.weights.empty());  // never a parent: nothing to keep
  c.stop_rungs = {{2, 1.0}};
  const TrainResult passed = train_candidate(small_cnn(), fashion_subset(), c, 42);
  EXPECT_EQ(passed.stopped_at_epoch, 0);
  EXPECT_EQ(passed.val_curve.size(), 3U);
  EXPECT_EQ(passed.val_curve[1], r.val_curve[1]);  // the same training up to the rung
  EXPECT_FALSE(passed.weights.empty());
}

TEST(Trainer, DivergenceIsATypedFailure) {
  TrainConfig config = quick_config();
  config.optimizer.schedule = {{0, 1e12}};
  config.epochs = 1;
  try {
    train_candidate(small_cnn(), fashion_subset(), config, 1);
    FAIL() << "training at a learning rate of 1e12 should diverge";
  } catch (const TrainingFailure& e) {
    EXPECT_NE(std::string(e.what()).find("loss became"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unas::train
