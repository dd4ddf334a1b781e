#include "train/candidate_model.h"

#include <gtest/gtest.h>

#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "resources/model_size.h"

namespace unas::train {
namespace {

// Weights and biases of the convolutions and dense layers (batch norm folds away at deployment).
std::int64_t conv_and_dense_parameters(CandidateModelImpl& model) {
  std::int64_t total = 0;
  for (const auto& child : model.children())
    if (child->as<torch::nn::Conv2dImpl>() || child->as<torch::nn::LinearImpl>())
      for (const torch::Tensor& p : child->parameters()) total += p.numel();
  return total;
}

void check_matches_resource_model(const resources::TensorShape& input, int classes, std::uint64_t seed) {
  torch::manual_seed(0);
  Rng rng(seed);
  for (int k = 0; k < 100; ++k) {
    const arch::Architecture a = arch::random_architecture(rng);
    const resources::LayerGraph graph = resources::build_layer_graph(a, input, classes);
    CandidateModel model(graph, 0.15);
    model->eval();
    std::vector<resources::TensorShape> shapes;
    const torch::Tensor out = model->forward(torch::rand({2, input.channels, input.height, input.width}), &shapes);
    ASSERT_EQ(shapes.size(), graph.ops().size());
    for (std::size_t o = 0; o < shapes.size(); ++o)
      ASSERT_EQ(shapes[o], graph.tensor(graph.op(static_cast<int>(o)).output).shape) << graph.op(static_cast<int>(o)).name;
    ASSERT_EQ(out.sizes(), (std::vector<std::int64_t>{2, resources::classifier_units(classes)}));
    ASSERT_EQ(conv_and_dense_parameters(*model), resources::model_size_bytes(graph)) << k;
  }
}

TEST(CandidateModel, TwoHundredRandomArchitecturesHaveTheResourceModelsShapesAndSize) {
  check_matches_resource_model({32, 32, 3}, 10, 1);
  check_matches_resource_model({28, 28, 1}, 2, 2);
}

TEST(CandidateModel, PrunableWeightsExcludeTheClassifier) {
  Rng rng(3);
  const arch::Architecture a = arch::random_architecture(rng);
  const resources::LayerGraph graph = resources::build_layer_graph(a, {16, 16, 1}, 10);
  CandidateModel model(graph, 0.0);
  const auto weights = model->prunable_weights();
  int expected = 0;
  for (const auto& op : graph.ops()) expected += op.has_parameters() && op.name != "classifier";
  EXPECT_EQ(static_cast<int>(weights.size()), expected);
  for (const auto& w : weights) EXPECT_NE(w.op_name, "classifier");
}

}  // namespace
}  // namespace unas::train
