#pragma once
// Random members of the search space, drawn as the authors' generator draws them: every free
// variable uniform over its range, except ReLU (p = 0.9), pre-pooling (p = 0.25) and the
// presence of global pooling (p = 0.9).
#include "arch/architecture.h"
#include "common/rng.h"

namespace unas::arch {

ConvLayer random_conv_layer(Rng& rng);
ConvLayer random_conv_layer(LayerType type, Rng& rng);

// A block with `num_layers` random layers (0: a uniform count); block 0 is always serial.
ConvBlock random_conv_block(std::size_t block_index, Rng& rng, int num_layers = 0);

Pooling random_pooling(Rng& rng);
DenseBlock random_dense_block(Rng& rng);

Architecture random_architecture(Rng& rng);

}  // namespace unas::arch
