#include "arch/morphism.h"

#include <fmt/format.h>

#include "arch/random_architecture.h"
#include "arch/search_space.h"

namespace unas::arch {

namespace {

bool in_range(int value, int lo, int hi) { return lo <= value && value <= hi; }

Morphism at(MorphismKind kind, std::size_t block, std::size_t layer = static_cast<std::size_t>(-1), int delta = 0) {
  Morphism m;
  m.kind = kind;
  m.block = static_cast<int>(block);
  m.layer = static_cast<int>(layer);
  m.delta = delta;
  return m;
}

Morphism global(MorphismKind kind, int delta = 0) {
  Morphism m;
  m.kind = kind;
  m.delta = delta;
  return m;
}

void list_block_morphisms(const Architecture& parent, std::size_t i, std::vector<Morphism>& out) {
  const std::size_t num_blocks = parent.conv_blocks.size();
  const ConvBlock& block = parent.conv_blocks[i];
  const std::size_t num_layers = block.layers.size();

  if (num_blocks > static_cast<std::size_t>(bounds::kMinConvBlocks)) {
    // "Remove a random block" spreads one unit of weight over all blocks; a one-layer block
    // is also removed by "remove its only layer", a menu entry of its own.
    Morphism m = at(MorphismKind::kRemoveBlock, i);
    m.weight = 1.0 / static_cast<double>(num_blocks) + (num_layers == 1 ? 1.0 : 0.0);
    out.push_back(m);
  }
  if (i > 0) out.push_back(at(MorphismKind::kFlipBranch, i));
  if (num_layers > static_cast<std::size_t>(bounds::kMinLayersPerBlock)) {
    for (std::size_t j = 0; j < num_layers; ++j) {
      Morphism m = at(MorphismKind::kRemoveLayer, i, j);
      m.weight = 1.0 / static_cast<double>(num_layers);
      out.push_back(m);
    }
  }
  if (num_layers < static_cast<std::size_t>(bounds::kMaxLayersPerBlock)) {
    for (std::size_t j = 0; j <= num_layers; ++j) {
      Morphism m = at(MorphismKind::kInsertLayer, i, j);
      m.weight = 1.0 / static_cast<double>(num_layers + 1);
      out.push_back(m);
    }
  }

  for (std::size_t j = 0; j < num_layers; ++j) {
    const ConvLayer& layer = block.layers[j];
    out.push_back(at(MorphismKind::kFlipBatchNorm, i, j));
    out.push_back(at(MorphismKind::kFlipRelu, i, j));
    out.push_back(at(MorphismKind::kFlipPrepool, i, j));
    for (LayerType type : {LayerType::kConv2D, LayerType::kConv1x1, LayerType::kDepthwiseConv2D}) {
      if (type == layer.type) continue;
      Morphism m = at(MorphismKind::kChangeLayerType, i, j);
      m.new_type = type;
      out.push_back(m);
    }
    if (layer.has_filters() && !filters_fixed_by_wiring(block, j)) {
      for (int d : bounds::kWidthSteps)
        if (in_range(layer.filters + d, bounds::kMinFilters, bounds::kMaxFilters))
          out.push_back(at(MorphismKind::kChangeFilters, i, j, d));
    }
    if (layer.has_kernel()) {
      for (int d : {-bounds::kKernelStep, bounds::kKernelStep})
        if (in_range(layer.kernel_size + d, bounds::kMinKernel, bounds::kMaxKernel))
          out.push_back(at(MorphismKind::kChangeKernel, i, j, d));
    }
    if (layer.has_stride()) out.push_back(at(MorphismKind::kFlipStride, i, j));
  }
}

}  // namespace

std::vector<Morphism> list_morphisms(const Architecture& parent) {
  std::vector<Morphism> out;
  for (std::size_t i = 0; i < parent.conv_blocks.size(); ++i) list_block_morphisms(parent, i, out);
  if (parent.conv_blocks.size() < static_cast<std::size_t>(bounds::kMaxConvBlocks))
    out.push_back(global(MorphismKind::kAppendBlock));

  out.push_back(global(MorphismKind::kTogglePooling));
  if (parent.pooling) {
    out.push_back(global(MorphismKind::kFlipPoolType));
    for (int d : {-bounds::kPoolSizeStep, bounds::kPoolSizeStep})
      if (in_range(parent.pooling->size + d, bounds::kMinPoolSize, bounds::kMaxPoolSize))
        out.push_back(global(MorphismKind::kChangePoolSize, d));
  }

  const std::size_t num_dense = parent.dense_blocks.size();
  if (num_dense > static_cast<std::size_t>(bounds::kMinDenseBlocks)) {
    for (std::size_t k = 0; k < num_dense; ++k) {
      Morphism m = at(MorphismKind::kRemoveDense, k);
      m.weight = 1.0 / static_cast<double>(num_dense);
      out.push_back(m);
    }
  }
  if (num_dense < static_cast<std::size_t>(bounds::kMaxDenseBlocks)) out.push_back(global(MorphismKind::kAppendDense));
  for (std::size_t k = 0; k < num_dense; ++k)
    for (int d : bounds::kWidthSteps)
      if (in_range(parent.dense_blocks[k].units + d, bounds::kMinUnits, bounds::kMaxUnits))
        out.push_back(at(MorphismKind::kChangeUnits, k, static_cast<std::size_t>(-1), d));
  return out;
}

Architecture apply_morphism(const Architecture& parent, const Morphism& m, Rng& rng) {
  Architecture child = parent;
  auto& blocks = child.conv_blocks;
  const auto b = static_cast<std::size_t>(m.block);
  const auto l = static_cast<std::size_t>(m.layer);
  switch (m.kind) {
    case MorphismKind::kRemoveBlock:
      // Branches hang off the input of the latest serial block: when a serial block goes, the
      // branch after it becomes serial so that it keeps reading the same tensor.
      if (!blocks[b].is_branch && b + 1 < blocks.size() && blocks[b + 1].is_branch) blocks[b + 1].is_branch = false;
      blocks.erase(blocks.begin() + m.block);
      break;
    case MorphismKind::kAppendBlock: blocks.push_back(random_conv_block(blocks.size(), rng, 1)); break;
    case MorphismKind::kFlipBranch: blocks[b].is_branch = !blocks[b].is_branch; break;
    case MorphismKind::kRemoveLayer: blocks[b].layers.erase(blocks[b].layers.begin() + m.layer); break;
    case MorphismKind::kInsertLayer:
      blocks[b].layers.insert(blocks[b].layers.begin() + m.layer, random_conv_layer(rng));
      break;
    case MorphismKind::kFlipBatchNorm: blocks[b].layers[l].batch_norm = !blocks[b].layers[l].batch_norm; break;
    case MorphismKind::kFlipRelu: blocks[b].layers[l].relu = !blocks[b].layers[l].relu; break;
    case MorphismKind::kFlipPrepool: blocks[b].layers[l].prepool = !blocks[b].layers[l].prepool; break;
    case MorphismKind::kFlipStride: blocks[b].layers[l].stride2 = !blocks[b].layers[l].stride2; break;
    case MorphismKind::kChangeLayerType: blocks[b].layers[l] = random_conv_layer(m.new_type, rng); break;
    case MorphismKind::kChangeKernel: blocks[b].layers[l].kernel_size += m.delta; break;
    case MorphismKind::kChangeFilters: blocks[b].layers[l].filters += m.delta; break;
    case MorphismKind::kTogglePooling:
      if (child.pooling)
        child.pooling.reset();
      else
        child.pooling = random_pooling(rng);
      break;
    case MorphismKind::kFlipPoolType:
      child.pooling->type = child.pooling->type == PoolType::kAvg ? PoolType::kMax : PoolType::kAvg;
      break;
    case MorphismKind::kChangePoolSize: child.pooling->size += m.delta; break;
    case MorphismKind::kRemoveDense: child.dense_blocks.erase(child.dense_blocks.begin() + m.block); break;
    case MorphismKind::kAppendDense: child.dense_blocks.push_back(random_dense_block(rng)); break;
    case MorphismKind::kChangeUnits: child.dense_blocks[b].units += m.delta; break;
  }
  return child;
}

std::vector<Architecture> list_children(const Architecture& parent, Rng& rng) {
  std::vector<Architecture> children;
  for (const Morphism& m : list_morphisms(parent)) children.push_back(apply_morphism(parent, m, rng));
  return children;
}

Child random_child(const Architecture& parent, Rng& rng) {
  const std::vector<Morphism> menu = list_morphisms(parent);
  double total = 0.0;
  for (const Morphism& m : menu) total += m.weight;
  double pick = rng.uniform01() * total;
  std::size_t chosen = menu.size() - 1;  // guards against rounding at the top end
  for (std::size_t k = 0; k < menu.size(); ++k) {
    pick -= menu[k].weight;
    if (pick < 0.0) {
      chosen = k;
      break;
    }
  }
  return Child{menu[chosen], apply_morphism(parent, menu[chosen], rng)};
}

std::string describe(const Morphism& m) {
  const std::string layer = fmt::format("conv_blocks[{}].layers[{}]", m.block, m.layer);
  switch (m.kind) {
    case MorphismKind::kRemoveBlock: return fmt::format("remove conv_blocks[{}]", m.block);
    case MorphismKind::kAppendBlock: return "append a conv block";
    case MorphismKind::kFlipBranch: return fmt::format("flip conv_blocks[{}].is_branch", m.block);
    case MorphismKind::kRemoveLayer: return "remove " + layer;
    case MorphismKind::kInsertLayer: return "insert a layer at " + layer;
    case MorphismKind::kFlipBatchNorm: return "flip " + layer + ".has_bn";
    case MorphismKind::kFlipRelu: return "flip " + layer + ".has_relu";
    case MorphismKind::kFlipPrepool: return "flip " + layer + ".has_prepool";
    case MorphismKind::kFlipStride: return "flip " + layer + ".2x_stride";
    case MorphismKind::kChangeLayerType: return fmt::format("{}.type -> {}", layer, to_string(m.new_type));
    case MorphismKind::kChangeKernel: return fmt::format("{}.ker_size {:+}", layer, m.delta);
    case MorphismKind::kChangeFilters: return fmt::format("{}.filters {:+}", layer, m.delta);
    case MorphismKind::kTogglePooling: return "toggle pooling";
    case MorphismKind::kFlipPoolType: return "flip pooling.type";
    case MorphismKind::kChangePoolSize: return fmt::format("pooling.pool_size {:+}", m.delta);
    case MorphismKind::kRemoveDense: return fmt::format("remove dense_blocks[{}]", m.block);
    case MorphismKind::kAppendDense: return "append a dense block";
    case MorphismKind::kChangeUnits: return fmt::format("dense_blocks[{}].units {:+}", m.block, m.delta);
  }
  return "?";
}

}  // namespace unas::arch
