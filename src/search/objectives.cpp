#include "search/objectives.h"

namespace unas::search {

std::array<std::optional<double>, 4> Bounds::values() const {
  const auto as_double = [](const std::optional<std::int64_t>& v) -> std::optional<double> {
    if (v) return static_cast<double>(*v);
    return std::nullopt;
  };
  return {error, as_double(peak_memory_bytes), as_double(model_size_bytes), as_double(macs)};
}

bool within_bounds(const Objectives& objectives, const Bounds& bounds) {
  const auto values = objectives.values();
  const auto limits = bounds.values();
  for (std::size_t i = 0; i < 4; ++i)
    if (limits[i] && values[i] > *limits[i]) return false;
  return true;
}

}  // namespace unas::search
