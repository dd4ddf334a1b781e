#include "arch/json_io.h"

#include <fmt/format.h>

#include <initializer_list>

namespace unas::arch {

Json to_json(const Architecture& arch) {
  Json blocks = Json::array();
  for (const ConvBlock& block : arch.conv_blocks) {
    Json layers = Json::array();
    for (const ConvLayer& layer : block.layers) {
      Json l;
      l["type"] = to_string(layer.type);
      if (layer.has_kernel()) l["ker_size"] = layer.kernel_size;
      if (layer.has_filters()) l["filters"] = layer.filters;
      if (layer.has_stride()) l["2x_stride"] = layer.stride2;
      l["has_prepool"] = layer.prepool;
      l["has_bn"] = layer.batch_norm;
      l["has_relu"] = layer.relu;
      layers.push_back(std::move(l));
    }
    blocks.push_back(Json{{"is_branch", block.is_branch}, {"layers", std::move(layers)}});
  }
  Json dense = Json::array();
  for (const DenseBlock& d : arch.dense_blocks) dense.push_back(Json{{"units", d.units}});

  Json out;
  out["conv_blocks"] = std::move(blocks);
  out["pooling"] = arch.pooling ? Json{{"type", to_string(arch.pooling->type)}, {"pool_size", arch.pooling->size}}
                                : Json(nullptr);
  out["dense_blocks"] = std::move(dense);
  return out;
}

std::string to_json_text(const Architecture& arch) { return to_json(arch).dump(); }

namespace {

// Reads the fields of one JSON object, checking types and rejecting keys it does not know.
class ObjectReader {
 public:
  ObjectReader(const Json& json, std::string path) : json_(json), path_(std::move(path)) {
    if (!json_.is_object()) fail("", fmt::format("expected an object, got {}", json_.dump()));
  }

  void allow_only(std::initializer_list<std::string_view> keys) const {
    for (const auto& [key, value] : json_.items()) {
      if (key.starts_with("_")) continue;
      bool known = false;
      for (std::string_view k : keys) known = known || k == key;
      if (!known) fail(key, "unknown key");
    }
  }

  bool has(const char* key) const { return json_.contains(key); }
  const Json& raw(const char* key) const {
    if (!json_.contains(key)) fail(key, "missing");
    return json_.at(key);
  }
  std::string field(std::string_view key) const { return path_.empty() ? std::string(key) : path_ + "." + std::string(key); }

  int integer(const char* key) const {
    const Json& v = raw(key);
    if (!v.is_number_integer()) fail(key, fmt::format("expected an integer, got {}", v.dump()));
    return v.get<int>();
  }
  bool boolean(const char* key) const {
    const Json& v = raw(key);
    if (!v.is_boolean()) fail(key, fmt::format("expected true or false, got {}", v.dump()));
    return v.get<bool>();
  }
  std::string string(const char* key) const {
    const Json& v = raw(key);
    if (!v.is_string()) fail(key, fmt::format("expected a string, got {}", v.dump()));
    return v.get<std::string>();
  }
  const Json& array(const char* key) const {
    const Json& v = raw(key);
    if (!v.is_array()) fail(key, fmt::format("expected an array, got {}", v.dump()));
    return v;
  }

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    const std::string where = key.empty() ? (path_.empty() ? std::string("architecture") : path_) : field(key);
    throw ArchitectureError(fmt::format("{}: {}", where, what));
  }

 private:
  const Json& json_;
  std::string path_;
};

LayerType parse_layer_type(const ObjectReader& r) {
  const std::string type = r.string("type");
  for (LayerType t : {LayerType::kConv2D, LayerType::kConv1x1, LayerType::kDepthwiseConv2D})
    if (type == to_string(t)) return t;
  r.fail("type", fmt::format("\"{}\" is not one of Conv2D, 1x1Conv2D, DWConv2D", type));
}

ConvLayer parse_layer(const Json& json, const std::string& path) {
  ObjectReader r(json, path);
  ConvLayer layer;
  layer.type = parse_layer_type(r);
  switch (layer.type) {
    case LayerType::kConv2D:
      r.allow_only({"type", "ker_size", "filters", "2x_stride", "has_prepool", "has_bn", "has_relu"});
      layer.kernel_size = r.integer("ker_size");
      layer.filters = r.integer("filters");
      layer.stride2 = r.boolean("2x_stride");
      break;
    case LayerType::kConv1x1:
      r.allow_only({"type", "filters", "2x_stride", "has_prepool", "has_bn", "has_relu"});
      layer.kernel_size = 1;
      layer.filters = r.integer("filters");
      if (r.has("2x_stride") && r.boolean("2x_stride")) r.fail("2x_stride", "a 1x1 convolution always has stride 1");
      break;
    case LayerType::kDepthwiseConv2D:
      r.allow_only({"type", "ker_size", "2x_stride", "has_prepool", "has_bn", "has_relu"});
      layer.kernel_size = r.integer("ker_size");
      layer.filters = 0;
      layer.stride2 = r.boolean("2x_stride");
      break;
  }
  layer.prepool = r.boolean("has_prepool");
  layer.batch_norm = r.boolean("has_bn");
  layer.relu = r.boolean("has_relu");
  return layer;
}

ConvBlock parse_block(const Json& json, const std::string& path) {
  ObjectReader r(json, path);
  r.allow_only({"is_branch", "layers"});
  ConvBlock block;
  block.is_branch = r.boolean("is_branch");
  const Json& layers = r.array("layers");
  for (std::size_t j = 0; j < layers.size(); ++j)
    block.layers.push_back(parse_layer(layers[j], fmt::format("{}.layers[{}]", path, j)));
  return block;
}

Pooling parse_pooling(const Json& json) {
  ObjectReader r(json, "pooling");
  r.allow_only({"type", "pool_size"});
  Pooling pooling;
  const std::string type = r.string("type");
  if (type == "avg")
    pooling.type = PoolType::kAvg;
  else if (type == "max")
    pooling.type = PoolType::kMax;
  else
    r.fail("type", fmt::format("\"{}\" is not one of avg, max", type));
  pooling.size = r.integer("pool_size");
  return pooling;
}

DenseBlock parse_dense(const Json& json, const std::string& path) {
  ObjectReader r(json, path);
  r.allow_only({"units", "activation"});
  if (r.has("activation") && r.string("activation") != "relu")
    r.fail("activation", "dense blocks always use \"relu\"");
  return DenseBlock{r.integer("units")};
}

}  // namespace

Architecture architecture_from_json(const Json& json) {
  ObjectReader r(json, "");
  r.allow_only({"conv_blocks", "pooling", "dense_blocks"});
  Architecture arch;
  const Json& blocks = r.array("conv_blocks");
  for (std::size_t i = 0; i < blocks.size(); ++i)
    arch.conv_blocks.push_back(parse_block(blocks[i], fmt::format("conv_blocks[{}]", i)));
  if (r.has("pooling") && !r.raw("pooling").is_null()) arch.pooling = parse_pooling(r.raw("pooling"));
  const Json& dense = r.array("dense_blocks");
  for (std::size_t i = 0; i < dense.size(); ++i)
    arch.dense_blocks.push_back(parse_dense(dense[i], fmt::format("dense_blocks[{}]", i)));
  validate(arch);
  return arch;
}

std::vector<Architecture> parse_architectures(std::string_view text) {
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw ArchitectureError(fmt::format("invalid JSON: {}", e.what()));
  }
  std::vector<Architecture> out;
  if (!json.is_array()) {
    out.push_back(architecture_from_json(json));
    return out;
  }
  for (std::size_t k = 0; k < json.size(); ++k) {
    try {
      out.push_back(architecture_from_json(json[k]));
    } catch (const ArchitectureError& e) {
      throw ArchitectureError(fmt::format("architecture [{}]: {}", k, e.what()));
    }
  }
  return out;
}

}  // namespace unas::arch
