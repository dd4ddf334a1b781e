#pragma once
// Sizes as people write them in a config: "4GiB", "512 MiB", "2GB", "65536" (bytes), and back.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace unas {

// Binary (KiB, MiB, GiB, TiB) and decimal (kB/KB, MB, GB, TB) units, B or none for bytes;
// nullopt for anything else, or a size that is not a positive whole number of bytes.
inline std::optional<std::int64_t> parse_byte_size(const std::string& text) {
  std::size_t end = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &end);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(end);
  unit.erase(0, unit.find_first_not_of(' '));
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1.0},   {"B", 1.0},  {"KiB", 0x1p10}, {"MiB", 0x1p20}, {"GiB", 0x1p30}, {"TiB", 0x1p40},
      {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6},     {"GB", 1e9},     {"TB", 1e12}};
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    const double bytes = value * factor;
    if (!(bytes >= 1.0) || bytes > 0x1p62 || bytes != std::floor(bytes)) return std::nullopt;
    return static_cast<std::int64_t>(bytes);
  }
  return std::nullopt;
}

// The largest binary unit that divides the size: "4 GiB", "1536 MiB", "1000 B".
inline std::string byte_size_text(std::int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{} {}", bytes, kUnits[unit]);
}

}  // namespace unas
