#include "arch/architecture.h"

#include <fmt/format.h>

#include "arch/search_space.h"

namespace unas::arch {

std::string_view to_string(LayerType type) {
  switch (type) {
    case LayerType::kConv2D: return "Conv2D";
    case LayerType::kConv1x1: return "1x1Conv2D";
    case LayerType::kDepthwiseConv2D: return "DWConv2D";
  }
  return "?";
}

std::string_view to_string(PoolType type) { return type == PoolType::kAvg ? "avg" : "max"; }

bool filters_fixed_by_wiring(const ConvBlock& block, std::size_t layer_index) {
  return block.is_branch && layer_index + 1 == block.layers.size() && block.layers[layer_index].has_filters();
}

namespace {

void check_range(const std::string& field, int value, int lo, int hi) {
  if (value < lo || value > hi)
    throw ArchitectureError(fmt::format("{}: {} is outside {}..{}", field, value, lo, hi));
}

void check_count(const std::string& field, std::size_t count, int lo, int hi) {
  if (count < static_cast<std::size_t>(lo) || count > static_cast<std::size_t>(hi))
    throw ArchitectureError(fmt::format("{}: {} entries, expected {}..{}", field, count, lo, hi));
}

void check_odd_kernel(const std::string& field, int kernel) {
  check_range(field, kernel, bounds::kMinKernel, bounds::kMaxKernel);
  if ((kernel - bounds::kMinKernel) % bounds::kKernelStep != 0)
    throw ArchitectureError(fmt::format("{}: {} is not one of 3, 5, 7", field, kernel));
}

void validate_layer(const ConvLayer& layer, const std::string& path) {
  switch (layer.type) {
    case LayerType::kConv2D:
      check_odd_kernel(path + ".ker_size", layer.kernel_size);
      check_range(path + ".filters", layer.filters, bounds::kMinFilters, bounds::kMaxFilters);
      break;
    case LayerType::kConv1x1:
      if (layer.kernel_size != 1) throw ArchitectureError(path + ".ker_size: a 1x1 convolution has kernel 1");
      if (layer.stride2) throw ArchitectureError(path + ".2x_stride: a 1x1 convolution always has stride 1");
      check_range(path + ".filters", layer.filters, bounds::kMinFilters, bounds::kMaxFilters);
      break;
    case LayerType::kDepthwiseConv2D:
      check_odd_kernel(path + ".ker_size", layer.kernel_size);
      if (layer.filters != 0)
        throw ArchitectureError(path + ".filters: a depthwise convolution keeps its input channels");
      break;
  }
}

}  // namespace

void validate(const Architecture& arch) {
  check_count("conv_blocks", arch.conv_blocks.size(), bounds::kMinConvBlocks, bounds::kMaxConvBlocks);
  for (std::size_t i = 0; i < arch.conv_blocks.size(); ++i) {
    const ConvBlock& block = arch.conv_blocks[i];
    const std::string path = fmt::format("conv_blocks[{}]", i);
    if (i == 0 && block.is_branch) throw ArchitectureError(path + ".is_branch: the first block must be serial");
    check_count(path + ".layers", block.layers.size(), bounds::kMinLayersPerBlock, bounds::kMaxLayersPerBlock);
    for (std::size_t j = 0; j < block.layers.size(); ++j)
      validate_layer(block.layers[j], fmt::format("{}.layers[{}]", path, j));
  }
  if (arch.pooling) {
    check_range("pooling.pool_size", arch.pooling->size, bounds::kMinPoolSize, bounds::kMaxPoolSize);
    if (arch.pooling->size % bounds::kPoolSizeStep != 0)
      throw ArchitectureError(fmt::format("pooling.pool_size: {} is not one of 2, 4, 6", arch.pooling->size));
  }
  // The search space draws 1..3 dense blocks, but a network whose only dense layer is the
  // classifier is still well-formed (SPEC's worked example is one), so import accepts it.
  check_count("dense_blocks", arch.dense_blocks.size(), 0, bounds::kMaxDenseBlocks);
  for (std::size_t i = 0; i < arch.dense_blocks.size(); ++i)
    check_range(fmt::format("dense_blocks[{}].units", i), arch.dense_blocks[i].units, bounds::kMinUnits,
                bounds::kMaxUnits);
}

}  // namespace unas::arch
