// `unas export` of one model, end to end: a network with every operator kind, smoke-trained on a
// Fashion-MNIST subset, exported to C, built for the host (int8 accuracy beside float) and, where
// the toolchain is installed, run on the emulated Cortex-M with outputs compared bit for bit.
#include "deploy/export_model.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "deploy/cortex_m.h"
#include "deploy/quantised_model.h"
#include "resources/build_layer_graph.h"
#include "resources/model_size.h"
#include "support/architectures.h"
#include "support/fashion_mnist.h"
#include "support/temp_dir.h"
#include "train/trainer.h"

namespace unas::deploy {
namespace {

using namespace unas::testing;

const data::Dataset& fashion_subset() {
  static const data::Dataset subset = fashion_mnist_head(3000, 300, 400);
  return subset;
}

// Convolution with batch norm, a pre-pooled depthwise layer, a branch whose output is pooled and
// zero-padded into an Add, a strided convolution, average pooling and a dense block: every kind
// of operator the runtime has.
Architecture every_operator() {
  arch::ConvLayer normed = conv(3, 8);
  normed.batch_norm = true;
  return Architecture{{serial({normed, with_prepool(dwconv(3))}), branch({conv1x1(8)}), serial({conv(3, 12, true)})},
                      Pooling{PoolType::kAvg, 2},
                      {DenseBlock{32}}};
}

train::TrainConfig smoke_training() {
  train::TrainConfig c;
  c.optimizer.kind = "sgdw";
  c.optimizer.schedule = {{0, 0.05}};
  c.epochs = 6;  // batch norm's running statistics (Keras momentum) need a few hundred steps
  c.batch_size = 64;
  c.threads = 1;
  return c;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class ExportModel : public TempDirTest {};

TEST_F(ExportModel, SmokeTrainedModelKeepsItsAccuracyAndRunsAlikeOnHostAndTarget) {
  const data::Dataset& data = fashion_subset();
  const train::TrainResult trained = train::train_candidate(every_operator(), data, smoke_training(), 7);
  const resources::LayerGraph graph = resources::build_layer_graph(every_operator(), data.input, data.num_classes);

  ExportOptions options;
  options.out_dir = dir_ / "export";
  options.calibration_inputs = 200;
  options.check_inputs = 4;
  options.provenance = "export_model_test";
  const ExportReport r = export_model(graph, trained.weights, data, options);

  EXPECT_EQ(r.test_examples, data.test.size());
  // The float model evaluated here is the one the trainer tested.
  EXPECT_NEAR(r.float_accuracy, 1.0 - trained.test_error, 1e-9);
  EXPECT_GT(r.float_accuracy, 0.5) << "the smoke training did not learn";
  EXPECT_NEAR(r.int8_accuracy, r.float_accuracy, 0.03);
  EXPECT_GE(r.agreement, 0.93);
  std::printf("measured: float %.4f, int8 %.4f, agreement %.4f, arena %lld B, PMU %lld B\n", r.float_accuracy,
              r.int8_accuracy, r.agreement, static_cast<long long>(r.arena_bytes), static_cast<long long>(r.pmu));

  // One byte per weight, four per bias, eight per requantisation constant.
  EXPECT_EQ(r.model_size, resources::model_size_bytes(graph));
  EXPECT_LE(r.weight_bytes, r.model_size);
  EXPECT_GE(r.arena_bytes, r.pmu);
  const std::string header = slurp(options.out_dir / "model.h");
  EXPECT_NE(header.find("#define UNAS_MODEL_ARENA_BYTES " + std::to_string(r.arena_bytes) + "\n"), std::string::npos);
  EXPECT_NE(header.find("#define UNAS_MODEL_OUTPUT_BYTES 10\n"), std::string::npos);
  for (const char* file : {"model.c", "unas_int8.c", "unas_int8.h"}) EXPECT_TRUE(std::filesystem::exists(options.out_dir / file)) << file;

  if (!find_cortex_m_toolchain()) {
    EXPECT_FALSE(r.target);
    GTEST_SKIP() << "no Cortex-M toolchain: " << r.target_skipped;
  }
  ASSERT_TRUE(r.target);
  EXPECT_TRUE(r.target->outputs_match);
  EXPECT_GT(r.target->stack_bytes, 0);
  EXPECT_LT(r.target->stack_bytes, 4096);
  // The model's flash holds its parameters plus the kernels' code; its static RAM is the arena.
  EXPECT_GE(r.target->flash_bytes(), r.parameter_bytes());
  EXPECT_LT(r.target->flash_bytes(), r.parameter_bytes() + 16384);
  EXPECT_GE(r.target->model_static_ram, r.arena_bytes);
  EXPECT_LT(r.target->model_static_ram, r.arena_bytes + 64);
  EXPECT_GE(r.target->firmware_bss, r.arena_bytes);
  std::printf("measured: flash %lld B, RAM %lld B (stack %lld B)\n", static_cast<long long>(r.target->flash_bytes()),
              static_cast<long long>(r.target->ram_bytes()), static_cast<long long>(r.target->stack_bytes));
}

TEST(Quantise, NamesAMissingTensor) {
  const resources::LayerGraph graph = resources::build_layer_graph(
      Architecture{{serial({conv(3, 4)})}, std::nullopt, {DenseBlock{10}}}, {8, 8, 1}, 10);
  Weights weights;
  std::vector<TensorRange> ranges(graph.tensors().size(), TensorRange{-1.0f, 1.0f});
  try {
    quantise(graph, weights, ranges);
    FAIL() << "quantised without weights";
  } catch (const QuantisationError& e) {
    EXPECT_NE(std::string(e.what()).find("b0.l0.conv.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unas::deploy
