#pragma once
// Durations for progress lines and ETAs: "4m07s", "3h12m", "2d05h".
#include <fmt/format.h>

#include <string>

namespace unas {

inline std::string duration_text(double seconds) {
  const auto s = static_cast<long>(seconds < 0 ? 0 : seconds);
  if (s >= 86400) return fmt::format("{}d{:02}h", s / 86400, s / 3600 % 24);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  return fmt::format("{}m{:02}s", s / 60, s % 60);
}

}  // namespace unas
