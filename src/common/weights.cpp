#include "common/weights.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace unas {

std::int64_t TensorEntry::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

const TensorEntry* Weights::find(std::string_view name) const {
  for (const TensorEntry& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

float* Weights::add(std::string name, std::vector<std::int64_t> shape) {
  TensorEntry entry{std::move(name), std::move(shape), static_cast<std::int64_t>(values.size())};
  values.resize(values.size() + static_cast<std::size_t>(entry.elements()));
  tensors.push_back(std::move(entry));
  return values.data() + tensors.back().offset;
}

std::string Weights::manifest() const {
  nlohmann::json j = nlohmann::json::array();
  for (const TensorEntry& t : tensors) j.push_back({t.name, t.shape});
  return j.dump();
}

Weights Weights::from_manifest(std::string_view manifest, std::vector<float> values) {
  Weights w;
  try {
    for (const auto& item : nlohmann::json::parse(manifest)) {
      TensorEntry entry{item.at(0).get<std::string>(), item.at(1).get<std::vector<std::int64_t>>(),
                        w.tensors.empty() ? 0 : w.tensors.back().offset + w.tensors.back().elements()};
      for (std::int64_t d : entry.shape)
        if (d < 0) throw WeightsError(fmt::format("weights manifest: tensor {} has a negative dimension", entry.name));
      w.tensors.push_back(std::move(entry));
    }
  } catch (const nlohmann::json::exception& e) {
    throw WeightsError(fmt::format("weights manifest: {}", e.what()));
  }
  const std::int64_t expected = w.tensors.empty() ? 0 : w.tensors.back().offset + w.tensors.back().elements();
  if (expected != static_cast<std::int64_t>(values.size()))
    throw WeightsError(
        fmt::format("weights manifest: its tensors hold {} values, {} were given", expected, values.size()));
  w.values = std::move(values);
  return w;
}

}  // namespace unas
