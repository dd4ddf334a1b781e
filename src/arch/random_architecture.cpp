#include "arch/random_architecture.h"

#include "arch/search_space.h"

namespace unas::arch {

namespace {

int random_kernel(Rng& rng) {
  const int steps = (bounds::kMaxKernel - bounds::kMinKernel) / bounds::kKernelStep;
  return bounds::kMinKernel + bounds::kKernelStep * static_cast<int>(rng.uniform_int(0, steps));
}

}  // namespace

ConvLayer random_conv_layer(LayerType type, Rng& rng) {
  ConvLayer layer;
  layer.type = type;
  layer.kernel_size = layer.has_kernel() ? random_kernel(rng) : 1;
  layer.filters = layer.has_filters() ? static_cast<int>(rng.uniform_int(bounds::kMinFilters, bounds::kMaxFilters)) : 0;
  layer.stride2 = layer.has_stride() && rng.bernoulli(0.5);
  layer.batch_norm = rng.bernoulli(0.5);
  layer.relu = rng.bernoulli(bounds::kReluProbability);
  layer.prepool = rng.bernoulli(bounds::kPrepoolProbability);
  return layer;
}

ConvLayer random_conv_layer(Rng& rng) {
  static constexpr LayerType kTypes[] = {LayerType::kConv2D, LayerType::kConv1x1, LayerType::kDepthwiseConv2D};
  return random_conv_layer(kTypes[rng.index(3)], rng);
}

ConvBlock random_conv_block(std::size_t block_index, Rng& rng, int num_layers) {
  ConvBlock block;
  block.is_branch = block_index > 0 && rng.bernoulli(0.5);
  if (num_layers <= 0)
    num_layers = static_cast<int>(rng.uniform_int(bounds::kMinLayersPerBlock, bounds::kMaxLayersPerBlock));
  for (int j = 0; j < num_layers; ++j) block.layers.push_back(random_conv_layer(rng));
  return block;
}

Pooling random_pooling(Rng& rng) {
  Pooling pooling;
  pooling.type = rng.bernoulli(0.5) ? PoolType::kAvg : PoolType::kMax;
  const int steps = (bounds::kMaxPoolSize - bounds::kMinPoolSize) / bounds::kPoolSizeStep;
  pooling.size = bounds::kMinPoolSize + bounds::kPoolSizeStep * static_cast<int>(rng.uniform_int(0, steps));
  return pooling;
}

DenseBlock random_dense_block(Rng& rng) {
  return DenseBlock{static_cast<int>(rng.uniform_int(bounds::kMinUnits, bounds::kMaxUnits))};
}

Architecture random_architecture(Rng& rng) {
  Architecture arch;
  const auto num_blocks = rng.uniform_int(bounds::kMinConvBlocks, bounds::kMaxConvBlocks);
  for (std::int64_t i = 0; i < num_blocks; ++i)
    arch.conv_blocks.push_back(random_conv_block(static_cast<std::size_t>(i), rng));
  if (rng.bernoulli(bounds::kPoolingProbability)) arch.pooling = random_pooling(rng);
  const auto num_dense = rng.uniform_int(bounds::kMinDenseBlocks, bounds::kMaxDenseBlocks);
  for (std::int64_t i = 0; i < num_dense; ++i) arch.dense_blocks.push_back(random_dense_block(rng));
  return arch;
}

}  // namespace unas::arch
