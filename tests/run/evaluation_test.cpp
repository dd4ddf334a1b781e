#include "run/evaluation.h"

#include <gtest/gtest.h>

#include <cstring>

#include "arch/morphism_json.h"
#include "arch/random_architecture.h"

namespace unas::run {
namespace {

Weights some_weights(int n) {
  Weights w;
  float* a = w.add("b0.l0.conv.weight", {n, 1, 3, 3});
  for (int k = 0; k < n * 9; ++k) a[k] = static_cast<float>(k) * 0.5F - 3.0F;
  w.add("b0.l0.conv.bias", {n})[0] = 1e-30F;
  return w;
}

TEST(EvaluationMessages, RequestCarriesTheParentsWeightsBitForBit) {
  Rng rng(3);
  EvaluationRequest request;
  request.candidate.id = 17;
  request.candidate.parent_id = 4;
  request.candidate.seed = 99;
  request.candidate.sparsity = 0.3;
  const arch::Architecture parent = arch::random_architecture(rng);
  const arch::Child child = arch::random_child(parent, rng);
  request.candidate.architecture = child.architecture;
  request.candidate.morphism = child.morphism;
  request.inheritance = train::Inheritance{parent, some_weights(5), child.morphism};

  const std::string message = encode(request);
  const EvaluationRequest back = decode_request(message);
  EXPECT_EQ(back.candidate.id, 17);
  EXPECT_EQ(back.candidate.parent_id, 4);
  EXPECT_EQ(back.candidate.architecture, child.architecture);
  EXPECT_EQ(arch::to_json_text(*back.candidate.morphism), arch::to_json_text(child.morphism));
  ASSERT_TRUE(back.inheritance);
  EXPECT_EQ(back.inheritance->parent, parent);
  EXPECT_EQ(back.inheritance->weights.values, request.inheritance->weights.values);
  EXPECT_EQ(back.inheritance->weights.manifest(), request.inheritance->weights.manifest());
  // Binary: after the JSON and a NUL, the values as their 4 bytes each, not as decimal text.
  EXPECT_EQ(message.size() - std::strlen(message.c_str()) - 1,
            request.inheritance->weights.values.size() * sizeof(float));

  const EvaluationRequest plain = decode_request(encode(EvaluationRequest{request.candidate, std::nullopt, {}}));
  EXPECT_FALSE(plain.inheritance);
  EXPECT_TRUE(plain.candidate.morphism);
}

TEST(EvaluationMessages, ResultCarriesItsWeightsInheritanceAndPlace) {
  EvaluationResult r;
  r.id = 8;
  r.ok = true;
  r.val_curve = {0.5, 0.25};
  r.inherited_from = 3;
  r.epochs_trained = 6;
  r.inherited_fraction = 0.875;
  r.weights = some_weights(2);
  r.started_at = 1796649000.125;
  r.host = "gpu-node-07";
  r.device = "cuda:3";
  const EvaluationResult back = decode_result(encode(r));
  EXPECT_EQ(std::tie(back.started_at, back.host, back.device), std::tie(r.started_at, r.host, r.device));
  EXPECT_EQ(back.inherited_from, 3);
  EXPECT_EQ(back.epochs_trained, 6);
  EXPECT_EQ(back.inherited_fraction, 0.875);
  EXPECT_EQ(back.val_curve, r.val_curve);
  EXPECT_EQ(back.weights.values, r.weights.values);
  EXPECT_EQ(back.weights.find("b0.l0.conv.bias")->offset, 18);
  EXPECT_TRUE(decode_result(encode(EvaluationResult{})).weights.empty());
}

TEST(Weights, ManifestRoundTripsAndRejectsWhatDoesNotAddUp) {
  const Weights w = some_weights(3);
  const Weights back = Weights::from_manifest(w.manifest(), w.values);
  EXPECT_EQ(back.tensors.size(), 2U);
  EXPECT_EQ(back.find("b0.l0.conv.bias")->offset, 27);
  EXPECT_THROW(Weights::from_manifest(w.manifest(), std::vector<float>(29)), WeightsError);
  EXPECT_THROW(Weights::from_manifest("[[\"x\",[2,-1]]]", {}), WeightsError);
  EXPECT_THROW(Weights::from_manifest("not json", {}), WeightsError);
}

TEST(MorphismJson, EveryKindRoundTrips) {
  Rng rng(8);
  int seen = 0;
  for (int k = 0; k < 40; ++k)
    for (const arch::Morphism& m : arch::list_morphisms(arch::random_architecture(rng))) {
      const arch::Morphism back = arch::morphism_from_json_text(arch::to_json_text(m));
      EXPECT_EQ(arch::describe(back), arch::describe(m));
      ++seen;
    }
  EXPECT_GT(seen, 1000);
  EXPECT_THROW(arch::morphism_from_json_text(R"({"kind":"grow_wings"})"), arch::ArchitectureError);
}

}  // namespace
}  // namespace unas::run
