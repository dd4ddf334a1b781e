#pragma once
// Weight inheritance: a child that differs from its trained parent by one morphism starts from
// the parent's weights instead of from scratch (SpArSe's morphism proposals, Net2Net), so it
// needs only a short schedule. Per op of the child (ops are matched through the morphism: a
// removed or inserted block, layer or dense block shifts the indices of those after it):
// - an op the morphism did not touch continues its parent op: weights, biases and batch-norm
//   statistics are copied;
// - where a dimension changed, the overlap is kept: channels/units by index (C ± k, U ± k, and
//   the matching input slices of the next op), kernels centre-cropped or zero-padded (K ± 2);
//   new output channels are initialised as a fresh layer would be, and the weights with which
//   an inherited output reads a new input are zero, so that widening preserves the function
//   (Net2WiderNet with random new units);
// - a dense layer whose flattened input changed height/width (stride, pre-pooling, pooling
//   changes upstream) is resampled: nearest position, scaled by the area ratio;
// - batch norm removed from a conv is folded into it (the same function in inference); batch
//   norm added is an identity (γ = 1, β = 0, μ = 0, σ² = 1 − ε);
// - an inserted layer (a layer, an appended serial block, an appended dense block) is as close
//   to the identity as its shape allows: output c reads input c at the kernel's centre with
//   weight 1 for every c both have, fresh otherwise (Net2DeeperNet);
// - a layer whose type changed, an appended branch block, and ops the parent lacks start fresh.
// Sparsity masks are not inherited: DPF recomputes them from the inherited weights.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arch/architecture.h"
#include "train/candidate_model.h"
#include "train/inheritance.h"

namespace unas::train {

enum class Inherited {
  kCopied,     // the parent's tensor, unchanged
  kCropped,    // a part of it (fewer channels/units, a smaller kernel)
  kPadded,     // all of it, in a larger tensor (new channels fresh, kernel border zero)
  kReshaped,   // cropped along some dimensions and padded along others
  kResampled,  // a dense layer's weights over a resized spatial input
  kFolded,     // conv weights with the parent's batch norm folded in
  kIdentity,   // an inserted layer or batch norm initialised as the identity
  kFresh,      // nothing from the parent
};
std::string_view to_string(Inherited how);

struct InheritedTensor {
  std::string name;
  std::string from;  // the parent's tensor it came from ("" for identity and fresh ones)
  Inherited how = Inherited::kFresh;
  std::int64_t inherited = 0;  // elements taken from the parent
  std::int64_t elements = 0;
  bool parameter = true;  // false for batch-norm running statistics
};

struct InheritanceReport {
  std::vector<InheritedTensor> tensors;  // every tensor of the child, in named_state() order

  const InheritedTensor* find(std::string_view name) const;
  // Of the child's parameters (running statistics aside), the share taken from the parent.
  double inherited_fraction() const;
};

// Initialises the freshly built `child` (CPU, before training) from `from`. The child's
// architecture must be the morphism applied to the parent's; tensors the parent's weights lack
// or hold in an unexpected shape are left fresh.
InheritanceReport inherit_weights(CandidateModelImpl& child, const arch::Architecture& child_arch,
                                  const Inheritance& from);

}  // namespace unas::train
