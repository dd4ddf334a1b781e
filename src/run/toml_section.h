#pragma once
// Reads one TOML table strictly: typed getters that name file, line and key in their errors,
// and finish(), which rejects any key nobody asked for (a typo is an error, not a silent default).
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace unas::run {

class TomlSection {
 public:
  // `table` may be null: a missing section reads as empty.
  TomlSection(const toml::table* table, std::string prefix, std::string file);

  bool has(const char* key) const;
  std::optional<std::int64_t> integer(const char* key, std::int64_t min, std::int64_t max);
  std::optional<double> number(const char* key, double min, double max);  // integers accepted
  std::optional<std::string> string(const char* key, const std::vector<std::string>& allowed = {});
  std::optional<bool> boolean(const char* key);
  std::optional<std::vector<double>> numbers(const char* key, std::size_t count, double min, double max);
  // An array of strictly increasing integers in min..max (possibly empty).
  std::optional<std::vector<std::int64_t>> increasing_integers(const char* key, std::int64_t min, std::int64_t max);
  // [[epoch, value], ...]
  std::optional<std::vector<std::pair<std::int64_t, double>>> steps(const char* key);
  TomlSection section(const char* key);

  // Throws ConfigError for the first key that was not read.
  void finish() const;

  [[noreturn]] void fail(const char* key, const std::string& message) const;

 private:
  const toml::node* node(const char* key);
  std::string where(const toml::node* node) const;

  const toml::table* table_;
  std::string prefix_;
  std::string file_;
  std::set<std::string> read_;
};

}  // namespace unas::run
