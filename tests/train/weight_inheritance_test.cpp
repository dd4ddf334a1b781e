#include "train/weight_inheritance.h"

#include <gtest/gtest.h>

#include "arch/morphism.h"
#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "support/architectures.h"
#include "train/model_weights.h"

namespace unas::train {
namespace {

using namespace unas::testing;
using arch::Morphism;
using arch::MorphismKind;

constexpr resources::TensorShape kInput{12, 12, 3};
constexpr int kClasses = 5;

CandidateModel model_of(const Architecture& a, std::uint64_t seed) {
  torch::manual_seed(seed);
  return CandidateModel(resources::build_layer_graph(a, kInput, kClasses), 0.0);
}

// A model whose every tensor holds distinctive values, as a trained one would: weights and
// biases perturbed, batch-norm scales, shifts and statistics away from their defaults.
CandidateModel trained(const Architecture& a, std::uint64_t seed = 1) {
  CandidateModel m = model_of(a, seed);
  torch::NoGradGuard no_grad;
  for (const NamedTensor& t : m->named_state()) {
    const bool positive = t.name.ends_with("running_var") || t.name.ends_with("bn.weight");
    t.tensor.copy_(positive ? torch::rand_like(t.tensor) + 0.5 : t.tensor + 0.1 * torch::randn_like(t.tensor));
  }
  return m;
}

Morphism morphism(MorphismKind kind, int block = -1, int layer = -1, int delta = 0) {
  Morphism m;
  m.kind = kind;
  m.block = block;
  m.layer = layer;
  m.delta = delta;
  return m;
}

struct Inherited2 {
  CandidateModel parent{nullptr}, child{nullptr};
  Weights parent_weights, fresh;  // the parent's, and the child's before inheritance
  InheritanceReport report;

  std::string how(const std::string& name) const {
    const InheritedTensor* t = report.find(name);
    return t ? std::string(to_string(t->how)) : "absent";
  }
  torch::Tensor parent_tensor(const std::string& name) const {
    return view_of(parent_weights, *parent_weights.find(name));
  }
  torch::Tensor fresh_tensor(const std::string& name) const { return view_of(fresh, *fresh.find(name)); }
  torch::Tensor child_tensor(const std::string& name) const {
    for (const NamedTensor& t : child->named_state())
      if (t.name == name) return t.tensor;
    ADD_FAILURE() << "no tensor " << name;
    return {};
  }
};

Inherited2 inherit(const Architecture& parent, const Architecture& child, const Morphism& m) {
  Inherited2 r;
  r.parent = trained(parent);
  r.parent_weights = export_weights(*r.parent);
  r.child = model_of(child, 2);
  r.fresh = export_weights(*r.child);
  r.report = inherit_weights(*r.child, child, Inheritance{parent, r.parent_weights, m});
  return r;
}

Architecture with_bn(Architecture a, std::size_t block, std::size_t layer, bool on = true) {
  a.conv_blocks[block].layers[layer].batch_norm = on;
  return a;
}

// 12x12x3 -> b0.l0 (3x3, 8, BN) 10x10x8 -> b0.l1 (3x3, 6) 8x8x6 -> b1.l0 (1x1, 10) 8x8x10
// -> avg pool 2 -> 4x4x10 -> dense0 (16) -> classifier (5).
Architecture base() {
  Architecture a;
  a.conv_blocks = {serial({conv(3, 8), conv(3, 6)}), serial({conv1x1(10)})};
  a.conv_blocks[0].layers[0].batch_norm = true;
  a.pooling = Pooling{PoolType::kAvg, 2};
  a.dense_blocks = {DenseBlock{16}};
  return a;
}

void expect_untouched_tail(const Inherited2& r) {
  for (const char* name :
       {"b1.l0.conv.weight", "b1.l0.conv.bias", "dense0.weight", "dense0.bias", "classifier.weight", "classifier.bias"})
    EXPECT_EQ(r.how(name), "copied") << name;
  EXPECT_TRUE(torch::equal(r.child_tensor("dense0.weight"), r.parent_tensor("dense0.weight")));
}

TEST(WeightInheritance, WiderLayerKeepsItsChannelsAndTheNextLayersInputSlices) {
  Architecture child = base();
  child.conv_blocks[0].layers[0].filters = 11;
  const auto r = inherit(base(), child, morphism(MorphismKind::kChangeFilters, 0, 0, 3));
  for (const char* name : {"b0.l0.conv.weight", "b0.l0.conv.bias", "b0.l0.conv.bn.weight", "b0.l0.conv.bn.running_var"})
    EXPECT_EQ(r.how(name), "padded") << name;
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "padded");  // 8 -> 11 inputs
  EXPECT_EQ(r.how("b0.l1.conv.bias"), "copied");
  expect_untouched_tail(r);
  // Old channels copied, new ones fresh; the next layer reads the new ones with weight zero.
  const auto w = r.child_tensor("b0.l0.conv.weight");
  EXPECT_TRUE(torch::equal(w.slice(0, 0, 8), r.parent_tensor("b0.l0.conv.weight")));
  EXPECT_TRUE(torch::equal(w.slice(0, 8), r.fresh_tensor("b0.l0.conv.weight").slice(0, 8)));
  const auto next = r.child_tensor("b0.l1.conv.weight");
  EXPECT_TRUE(torch::equal(next.slice(1, 0, 8), r.parent_tensor("b0.l1.conv.weight")));
  EXPECT_EQ(next.slice(1, 8).abs().sum().item<float>(), 0.0F);
  EXPECT_EQ(r.report.find("b0.l0.conv.weight")->inherited, 8 * 3 * 3 * 3);
}

TEST(WeightInheritance, NarrowerLayerKeepsTheOverlap) {
  Architecture child = base();
  child.conv_blocks[0].layers[0].filters = 5;
  const auto r = inherit(base(), child, morphism(MorphismKind::kChangeFilters, 0, 0, -3));
  EXPECT_EQ(r.how("b0.l0.conv.weight"), "cropped");
  EXPECT_EQ(r.how("b0.l0.conv.bn.running_mean"), "cropped");
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "cropped");
  expect_untouched_tail(r);
  EXPECT_TRUE(torch::equal(r.child_tensor("b0.l1.conv.weight"), r.parent_tensor("b0.l1.conv.weight").slice(1, 0, 5)));
}

TEST(WeightInheritance, KernelGrowsByZeroPaddingAndShrinksByCentreCropping) {
  Architecture larger = base();
  larger.conv_blocks[0].layers[1].kernel_size = 5;
  auto r = inherit(base(), larger, morphism(MorphismKind::kChangeKernel, 0, 1, 2));
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "padded");
  EXPECT_EQ(r.how("b0.l1.conv.bias"), "copied");
  auto w = r.child_tensor("b0.l1.conv.weight");
  EXPECT_TRUE(torch::equal(w.slice(2, 1, 4).slice(3, 1, 4), r.parent_tensor("b0.l1.conv.weight")));
  EXPECT_FLOAT_EQ(w.abs().sum().item<float>(),
                  r.parent_tensor("b0.l1.conv.weight").abs().sum().item<float>());  // border 0
  // 6x6 instead of 8x8 after it: pooled 3x3 instead of 4x4, so the dense layer is resampled.
  EXPECT_EQ(r.how("dense0.weight"), "resampled");
  EXPECT_EQ(r.how("classifier.weight"), "copied");

  r = inherit(larger, base(), morphism(MorphismKind::kChangeKernel, 0, 1, -2));
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "cropped");
  EXPECT_TRUE(torch::equal(r.child_tensor("b0.l1.conv.weight"),
                           r.parent_tensor("b0.l1.conv.weight").slice(2, 1, 4).slice(3, 1, 4)));
}

TEST(WeightInheritance, ResampledDenseReadsTheNearestPositionScaledByArea) {
  Architecture child = base();
  child.pooling.reset();  // 8x8x10 instead of 4x4x10 into dense0
  const auto r = inherit(base(), child, morphism(MorphismKind::kTogglePooling));
  ASSERT_EQ(r.how("dense0.weight"), "resampled");
  const auto w = r.child_tensor("dense0.weight").view({16, 10, 8, 8});
  const auto p = r.parent_tensor("dense0.weight").view({16, 10, 4, 4});
  EXPECT_FLOAT_EQ(w[3][7][5][2].item<float>(), 0.25F * p[3][7][2][1].item<float>());
  EXPECT_FLOAT_EQ(w[0][0][7][7].item<float>(), 0.25F * p[0][0][3][3].item<float>());
  EXPECT_EQ(r.report.find("dense0.weight")->inherited, 16 * 10 * 8 * 8);
}

TEST(WeightInheritance, InsertedLayerIsTheIdentityAndLaterLayersKeepTheirWeights) {
  Architecture child = base();
  child.conv_blocks[0].layers.push_back(conv1x1(6));
  child.conv_blocks[0].layers[2].batch_norm = true;
  const auto r = inherit(base(), child, morphism(MorphismKind::kInsertLayer, 0, 2));
  EXPECT_EQ(r.how("b0.l2.conv.weight"), "identity");
  EXPECT_EQ(r.how("b0.l2.conv.bn.running_var"), "identity");
  EXPECT_EQ(r.how("b0.l0.conv.weight"), "copied");
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "copied");
  expect_untouched_tail(r);
  EXPECT_TRUE(torch::equal(r.child_tensor("b0.l2.conv.weight").view({6, 6}), torch::eye(6)));
  EXPECT_EQ(r.report.find("b0.l2.conv.weight")->inherited, 0);

  // Inserted in front: the layers after it shift by one and keep their weights.
  Architecture front = base();
  front.conv_blocks[0].layers.insert(front.conv_blocks[0].layers.begin(), conv(3, 3));
  const auto f = inherit(base(), front, morphism(MorphismKind::kInsertLayer, 0, 0));
  EXPECT_EQ(f.how("b0.l0.conv.weight"), "identity");
  EXPECT_EQ(f.how("b0.l1.conv.weight"), "copied");
  EXPECT_TRUE(torch::equal(f.child_tensor("b0.l2.conv.weight"), f.parent_tensor("b0.l1.conv.weight")));
  const auto w = f.child_tensor("b0.l0.conv.weight");  // 3x3 identity: 1 at the centre of c -> c
  EXPECT_EQ(w.sum().item<float>(), 3.0F);
  EXPECT_EQ(w[2][2][1][1].item<float>(), 1.0F);
}

TEST(WeightInheritance, RemovedLayerShiftsTheRestAndTheNextLayerKeepsWhatItCan) {
  Architecture child = base();
  child.conv_blocks[0].layers.erase(child.conv_blocks[0].layers.begin());
  const auto r = inherit(base(), child, morphism(MorphismKind::kRemoveLayer, 0, 0));
  // The old b0.l1 (6 filters over 8 inputs) now reads the 3-channel network input.
  EXPECT_EQ(r.how("b0.l0.conv.weight"), "cropped");
  EXPECT_TRUE(torch::equal(r.child_tensor("b0.l0.conv.weight"), r.parent_tensor("b0.l1.conv.weight").slice(1, 0, 3)));
  EXPECT_EQ(r.how("b0.l0.conv.bias"), "copied");
  EXPECT_EQ(r.how("b1.l0.conv.weight"), "copied");
  EXPECT_EQ(r.how("dense0.weight"), "resampled");  // 10x10 -> 5x5 after pooling, not 4x4
}

TEST(WeightInheritance, BatchNormRemovedIsFoldedAndAddedIsTheIdentity) {
  auto r = inherit(base(), with_bn(base(), 0, 0, false), morphism(MorphismKind::kFlipBatchNorm, 0, 0));
  EXPECT_EQ(r.how("b0.l0.conv.weight"), "folded");
  EXPECT_EQ(r.how("b0.l0.conv.bias"), "folded");
  EXPECT_EQ(r.how("b0.l0.conv.bn.weight"), "absent");
  r = inherit(base(), with_bn(base(), 0, 1), morphism(MorphismKind::kFlipBatchNorm, 0, 1));
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "copied");
  for (const char* t : {"weight", "bias", "running_mean", "running_var"})
    EXPECT_EQ(r.how(std::string("b0.l1.conv.bn.") + t), "identity") << t;
  EXPECT_NEAR(r.child_tensor("b0.l1.conv.bn.running_var")[0].item<float>(), 1.0 - kBatchNormEpsilon, 1e-7);
}

TEST(WeightInheritance, ChangedLayerTypeStartsFreshAndNeighboursAdapt) {
  Architecture child = base();
  child.conv_blocks[0].layers[1] = dwconv(5);
  const auto r = inherit(base(), child, morphism(MorphismKind::kChangeLayerType, 0, 1));
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "fresh");
  EXPECT_EQ(r.how("b0.l1.conv.bias"), "fresh");
  EXPECT_TRUE(torch::equal(r.child_tensor("b0.l1.conv.weight"), r.fresh_tensor("b0.l1.conv.weight")));
  EXPECT_EQ(r.how("b0.l0.conv.weight"), "copied");
  EXPECT_EQ(r.how("b1.l0.conv.weight"), "padded");  // reads 8 depthwise channels, was 6
}

TEST(WeightInheritance, DenseUnitsBehaveAsChannels) {
  Architecture wider = base();
  wider.dense_blocks[0].units = 21;
  auto r = inherit(base(), wider, morphism(MorphismKind::kChangeUnits, 0, -1, 5));
  EXPECT_EQ(r.how("dense0.weight"), "padded");
  EXPECT_EQ(r.how("classifier.weight"), "padded");
  EXPECT_EQ(r.how("classifier.bias"), "copied");
  EXPECT_EQ(r.child_tensor("classifier.weight").slice(1, 16).abs().sum().item<float>(), 0.0F);

  Architecture two = base();
  two.dense_blocks.push_back(DenseBlock{12});
  r = inherit(base(), two, morphism(MorphismKind::kAppendDense));
  EXPECT_EQ(r.how("dense0.weight"), "copied");
  EXPECT_EQ(r.how("dense1.weight"), "identity");
  EXPECT_EQ(r.how("classifier.weight"), "cropped");  // reads 12 units, was 16

  r = inherit(two, base(), morphism(MorphismKind::kRemoveDense, 1));
  EXPECT_EQ(r.how("dense0.weight"), "copied");
  EXPECT_EQ(r.how("classifier.weight"), "padded");
  Architecture second_only = base();
  second_only.dense_blocks[0].units = 12;
  r = inherit(two, second_only, morphism(MorphismKind::kRemoveDense, 0));
  // The old dense1 (12 units over 16) now reads the flattened 4x4x10 conv output.
  EXPECT_EQ(r.how("dense0.weight"), "resampled");
}

TEST(WeightInheritance, BlocksRemovedAppendedAndFlipped) {
  Architecture one = base();
  one.conv_blocks.pop_back();
  auto r = inherit(base(), one, morphism(MorphismKind::kRemoveBlock, 1));
  EXPECT_EQ(r.how("b0.l1.conv.weight"), "copied");
  EXPECT_EQ(r.how("dense0.weight"), "cropped");  // 4x4x6 instead of 4x4x10
  EXPECT_EQ(r.how("b1.l0.conv.weight"), "absent");

  r = inherit(one, base(), morphism(MorphismKind::kAppendBlock));
  EXPECT_EQ(r.how("b1.l0.conv.weight"), "identity");
  EXPECT_EQ(r.how("dense0.weight"), "padded");

  Architecture removed_first = base();
  removed_first.conv_blocks.erase(removed_first.conv_blocks.begin());
  r = inherit(base(), removed_first, morphism(MorphismKind::kRemoveBlock, 0));
  EXPECT_EQ(r.how("b0.l0.conv.weight"), "cropped");  // the old b1.l0, over 3 inputs instead of 6
  EXPECT_TRUE(torch::equal(r.child_tensor("b0.l0.conv.weight"), r.parent_tensor("b1.l0.conv.weight").slice(1, 0, 3)));
  EXPECT_EQ(r.report.find("b0.l0.conv.bias")->from, "b1.l0.conv.bias");

  // b2 is a branch beside b1: its last layer produces b1's 10 channels. As a serial block it
  // produces its own 4 and reads b1's output.
  Architecture branched = base();
  branched.conv_blocks.push_back(branch({conv(3, 4)}));
  Architecture flipped = branched;
  flipped.conv_blocks[2].is_branch = false;
  r = inherit(branched, flipped, morphism(MorphismKind::kFlipBranch, 2));
  EXPECT_EQ(r.how("b2.l0.conv.weight"), "reshaped");  // 10 -> 4 filters, 6 -> 10 inputs
  EXPECT_EQ(r.how("b1.l0.conv.weight"), "copied");

  Architecture appended_branch = base();
  appended_branch.conv_blocks.push_back(branch({conv(3, 4)}));
  r = inherit(base(), appended_branch, morphism(MorphismKind::kAppendBlock));
  EXPECT_EQ(r.how("b2.l0.conv.weight"), "fresh");
}

TEST(WeightInheritance, FlagsThatChangeNoShapeCopyEverything) {
  Architecture child = base();
  child.conv_blocks[0].layers[1].relu = false;
  const auto r = inherit(base(), child, morphism(MorphismKind::kFlipRelu, 0, 1));
  for (const InheritedTensor& t : r.report.tensors) EXPECT_EQ(t.how, Inherited::kCopied) << t.name;
  EXPECT_DOUBLE_EQ(r.report.inherited_fraction(), 1.0);
  Weights after = export_weights(*r.child);
  EXPECT_EQ(after.values, r.parent_weights.values);
}

// ---- Function-preserving morphisms: same logits as the parent, in inference -------------------

void expect_same_function(const Architecture& parent, const Architecture& child, const Morphism& m) {
  auto r = inherit(parent, child, m);
  r.parent->eval();
  r.child->eval();
  torch::manual_seed(7);
  const torch::Tensor x = torch::rand({4, kInput.channels, kInput.height, kInput.width});
  const torch::Tensor a = r.parent->forward(x), b = r.child->forward(x);
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_LT((a - b).abs().max().item<float>(), 1e-5) << arch::describe(m);
  EXPECT_GT(a.abs().max().item<float>(), 1e-2);  // not trivially zero
}

TEST(WeightInheritance, FunctionPreservingMorphismsKeepTheLogits) {
  // An identity 1x1 convolution after a ReLU layer.
  Architecture inserted = base();
  inserted.conv_blocks[0].layers.insert(inserted.conv_blocks[0].layers.begin() + 1, conv1x1(8));
  expect_same_function(base(), inserted, morphism(MorphismKind::kInsertLayer, 0, 1));
  // Wider conv (with batch norm) and wider dense layer: the next layer reads new units with 0.
  Architecture wider = base();
  wider.conv_blocks[0].layers[0].filters = 13;
  expect_same_function(base(), wider, morphism(MorphismKind::kChangeFilters, 0, 0, 5));
  Architecture more_units = base();
  more_units.dense_blocks[0].units = 19;
  expect_same_function(base(), more_units, morphism(MorphismKind::kChangeUnits, 0, -1, 3));
  // Batch norm folded away, or added as an identity.
  expect_same_function(base(), with_bn(base(), 0, 0, false), morphism(MorphismKind::kFlipBatchNorm, 0, 0));
  expect_same_function(base(), with_bn(base(), 1, 0), morphism(MorphismKind::kFlipBatchNorm, 1, 0));
  // A dense block appended after a ReLU dense block, at least as wide.
  Architecture appended = base();
  appended.dense_blocks.push_back(DenseBlock{20});
  expect_same_function(base(), appended, morphism(MorphismKind::kAppendDense));
  // Global pooling of a 4x4 map: size 4 and size 6 (clamped to 4) are the same network.
  Architecture p4 = base(), p6 = base();
  p4.pooling = Pooling{PoolType::kMax, 4};
  p6.pooling = Pooling{PoolType::kMax, 6};
  p4.conv_blocks[1].layers[0].stride2 = p6.conv_blocks[1].layers[0].stride2 = false;
  p4.conv_blocks[0].layers[0].stride2 = p6.conv_blocks[0].layers[0].stride2 = true;  // 5x5 -> 3x3 -> 3x3
  expect_same_function(p4, p6, morphism(MorphismKind::kChangePoolSize, -1, -1, 2));
}

// ---- Any morphism of any architecture -----------------------------------------------------

TEST(WeightInheritance, RandomParentsAndChildrenAreConsistent) {
  Rng rng(5);
  int with_copies = 0;
  for (int k = 0; k < 150; ++k) {
    const Architecture parent = arch::random_architecture(rng);
    const arch::Child c = arch::random_child(parent, rng);
    const auto r = inherit(parent, c.architecture, c.morphism);
    const std::vector<NamedTensor> state = r.child->named_state();
    ASSERT_EQ(r.report.tensors.size(), state.size()) << arch::describe(c.morphism);
    for (std::size_t t = 0; t < state.size(); ++t) {
      const InheritedTensor& it = r.report.tensors[t];
      ASSERT_EQ(it.name, state[t].name);
      ASSERT_LE(it.inherited, it.elements);
      if (it.how == Inherited::kCopied) {
        ASSERT_TRUE(torch::equal(state[t].tensor, r.parent_tensor(it.from)))
            << it.name << " " << arch::describe(c.morphism);
        ++with_copies;
      }
      if (it.how == Inherited::kFresh) {
        ASSERT_TRUE(torch::equal(state[t].tensor, r.fresh_tensor(it.name))) << it.name;
      }
      ASSERT_TRUE(torch::isfinite(state[t].tensor).all().item<bool>()) << it.name;
    }
    EXPECT_GE(r.report.inherited_fraction(), 0.0);
    EXPECT_LE(r.report.inherited_fraction(), 1.0);
  }
  EXPECT_GT(with_copies, 500);
}

}  // namespace
}  // namespace unas::train
