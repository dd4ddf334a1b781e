#pragma once
// The four objectives of paper Eq. 1, all minimised, and the user's bounds on them. An
// objective without a bound takes no part in the search (the "no MS" / "no PMU" ablations).
#include <array>
#include <cstdint>
#include <optional>

namespace unas::search {

struct Objectives {
  double error = 1.0;                // 1 − validation accuracy
  std::int64_t peak_memory_bytes = 0;
  std::int64_t model_size_bytes = 0;
  std::int64_t macs = 0;

  std::array<double, 4> values() const {
    return {error, static_cast<double>(peak_memory_bytes), static_cast<double>(model_size_bytes), static_cast<double>(macs)};
  }
};

struct Bounds {
  std::optional<double> error;
  std::optional<std::int64_t> peak_memory_bytes;
  std::optional<std::int64_t> model_size_bytes;
  std::optional<std::int64_t> macs;

  std::array<std::optional<double>, 4> values() const;
};

// Every bounded objective is at or under its bound.
bool within_bounds(const Objectives& objectives, const Bounds& bounds);

}  // namespace unas::search
