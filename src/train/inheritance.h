#pragma once
// What a child needs to start from its parent's trained weights: plain values (no torch), so that
// they travel in messages; train/weight_inheritance.h applies them to a model.
#include "arch/architecture.h"
#include "arch/morphism.h"
#include "common/weights.h"

namespace unas::train {

struct Inheritance {
  arch::Architecture parent;  // as proposed (before pruning: the weights have its shapes)
  Weights weights;            // its final weights, masked where pruning removed them
  arch::Morphism morphism;    // parent -> child
};

}  // namespace unas::train
