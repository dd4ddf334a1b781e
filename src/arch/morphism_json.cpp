#include "arch/morphism_json.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "arch/json_io.h"

namespace unas::arch {

namespace {

constexpr std::array<std::pair<MorphismKind, std::string_view>, 18> kKindNames{{
    {MorphismKind::kRemoveBlock, "remove_block"},
    {MorphismKind::kAppendBlock, "append_block"},
    {MorphismKind::kFlipBranch, "flip_branch"},
    {MorphismKind::kRemoveLayer, "remove_layer"},
    {MorphismKind::kInsertLayer, "insert_layer"},
    {MorphismKind::kFlipBatchNorm, "flip_batch_norm"},
    {MorphismKind::kFlipRelu, "flip_relu"},
    {MorphismKind::kFlipPrepool, "flip_prepool"},
    {MorphismKind::kFlipStride, "flip_stride"},
    {MorphismKind::kChangeLayerType, "change_layer_type"},
    {MorphismKind::kChangeKernel, "change_kernel"},
    {MorphismKind::kChangeFilters, "change_filters"},
    {MorphismKind::kTogglePooling, "toggle_pooling"},
    {MorphismKind::kFlipPoolType, "flip_pool_type"},
    {MorphismKind::kChangePoolSize, "change_pool_size"},
    {MorphismKind::kRemoveDense, "remove_dense"},
    {MorphismKind::kAppendDense, "append_dense"},
    {MorphismKind::kChangeUnits, "change_units"},
}};

LayerType layer_type_named(const std::string& name) {
  for (LayerType t : {LayerType::kConv2D, LayerType::kConv1x1, LayerType::kDepthwiseConv2D})
    if (to_string(t) == name) return t;
  throw ArchitectureError(fmt::format("morphism: unknown layer type \"{}\"", name));
}

}  // namespace

std::string_view to_string(MorphismKind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "?";
}

std::string to_json_text(const Morphism& m) {
  Json j = {{"kind", to_string(m.kind)}};
  if (m.block >= 0) j["block"] = m.block;
  if (m.layer >= 0) j["layer"] = m.layer;
  if (m.delta != 0) j["delta"] = m.delta;
  if (m.kind == MorphismKind::kChangeLayerType) j["new_type"] = to_string(m.new_type);
  return j.dump();
}

Morphism morphism_from_json_text(std::string_view text) {
  try {
    const Json j = Json::parse(text);
    Morphism m;
    const std::string kind = j.at("kind").get<std::string>();
    bool known = false;
    for (const auto& [k, name] : kKindNames)
      if (name == kind) {
        m.kind = k;
        known = true;
      }
    if (!known) throw ArchitectureError(fmt::format("morphism: unknown kind \"{}\"", kind));
    m.block = j.value("block", -1);
    m.layer = j.value("layer", -1);
    m.delta = j.value("delta", 0);
    if (m.kind == MorphismKind::kChangeLayerType) m.new_type = layer_type_named(j.at("new_type").get<std::string>());
    return m;
  } catch (const Json::exception& e) {
    throw ArchitectureError(fmt::format("morphism: {}", e.what()));
  }
}

}  // namespace unas::arch
