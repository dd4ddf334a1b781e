#pragma once
// Network morphisms of paper Table 1: the single-step changes that make a child architecture.
//
// list_morphisms() offers exactly the morphisms that keep the child inside the search space.
// Each carries the weight with which the authors' menu picks it: their menu has one entry
// "remove a random block", so each of the N removal positions weighs 1/N, and so on.
// Two deliberate differences from their code: an inserted layer may also go after the last
// layer of a block, and C±k is not offered for a layer whose filter count the branch wiring
// fixes (that child would be the same network).
#include <string>
#include <vector>

#include "arch/architecture.h"
#include "common/rng.h"

namespace unas::arch {

enum class MorphismKind {
  kRemoveBlock,      // block
  kAppendBlock,      // a random one-layer block at the end
  kFlipBranch,       // block (> 0)
  kRemoveLayer,      // block, layer
  kInsertLayer,      // block, layer = insert position (0..M)
  kFlipBatchNorm,    // block, layer
  kFlipRelu,         // block, layer
  kFlipPrepool,      // block, layer
  kFlipStride,       // block, layer (full and depthwise convolutions)
  kChangeLayerType,  // block, layer, new_type: a fresh random layer of that type
  kChangeKernel,     // block, layer, delta = ±2
  kChangeFilters,    // block, layer, delta = ±1, 3, 5
  kTogglePooling,    // none <-> a random global pooling
  kFlipPoolType,
  kChangePoolSize,   // delta = ±2
  kRemoveDense,      // block = dense block
  kAppendDense,      // a random dense block at the end
  kChangeUnits,      // block = dense block, delta = ±1, 3, 5
};

struct Morphism {
  MorphismKind kind{};
  int block = -1;
  int layer = -1;
  int delta = 0;
  LayerType new_type{};
  double weight = 1.0;  // relative probability of being drawn by random_child
};

// Every morphism that keeps the child within the bounds of Table 1.
std::vector<Morphism> list_morphisms(const Architecture& parent);

// The child made by `morphism`; `rng` draws the parts a morphism creates afresh.
Architecture apply_morphism(const Architecture& parent, const Morphism& morphism, Rng& rng);

// All children of `parent`, one per morphism of list_morphisms().
std::vector<Architecture> list_children(const Architecture& parent, Rng& rng);

// One morphism drawn with the authors' weights, and its child.
struct Child {
  Morphism morphism;
  Architecture architecture;
};
Child random_child(const Architecture& parent, Rng& rng);

// A short human-readable description, e.g. "conv_blocks[1].layers[0].filters -3".
std::string describe(const Morphism& morphism);

}  // namespace unas::arch
