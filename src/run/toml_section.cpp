#include "run/toml_section.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "run/experiment_config.h"

namespace unas::run {

namespace {

// A value as TOML text, for error messages.
std::string show(const toml::node* n) {
  std::ostringstream out;
  out << toml::node_view<const toml::node>(n);
  return out.str();
}

}  // namespace

TomlSection::TomlSection(const toml::table* table, std::string prefix, std::string file)
    : table_(table), prefix_(std::move(prefix)), file_(std::move(file)) {}

std::string TomlSection::where(const toml::node* n) const {
  // A value from --set has no line worth naming.
  const bool from_file = n != nullptr && n->source().path && !n->source().path->starts_with("--set");
  if (from_file && n->source().begin.line > 0)
    return fmt::format("{}:{}", *n->source().path, n->source().begin.line);
  if (n != nullptr && n->source().path) return *n->source().path;
  return file_;
}

void TomlSection::fail(const char* key, const std::string& message) const {
  const toml::node* n = table_ != nullptr ? table_->get(key) : nullptr;
  throw ConfigError(fmt::format("{}: {}{}: {}", where(n != nullptr ? n : table_), prefix_, key, message));
}

bool TomlSection::has(const char* key) const { return table_ != nullptr && table_->contains(key); }

const toml::node* TomlSection::node(const char* key) {
  read_.insert(key);
  return table_ != nullptr ? table_->get(key) : nullptr;
}

std::optional<std::int64_t> TomlSection::integer(const char* key, std::int64_t min, std::int64_t max) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_integer()) fail(key, fmt::format("expected an integer, got {}", show(n)));
  const std::int64_t v = *n->value<std::int64_t>();
  if (v < min || v > max) fail(key, fmt::format("{} is outside {}..{}", v, min, max));
  return v;
}

std::optional<double> TomlSection::number(const char* key, double min, double max) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_number()) fail(key, fmt::format("expected a number, got {}", show(n)));
  const double v = *n->value<double>();
  if (!(v >= min && v <= max)) fail(key, fmt::format("{} is outside {}..{}", v, min, max));
  return v;
}

std::optional<std::string> TomlSection::string(const char* key, const std::vector<std::string>& allowed) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_string()) fail(key, fmt::format("expected a string, got {}", show(n)));
  std::string v = *n->value<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(key, fmt::format("\"{}\" is not one of {}", v, list));
  }
  return v;
}

std::optional<bool> TomlSection::boolean(const char* key) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_boolean()) fail(key, fmt::format("expected true or false, got {}", show(n)));
  return *n->value<bool>();
}

std::optional<std::vector<double>> TomlSection::numbers(const char* key, std::size_t count, double min, double max) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  const toml::array* a = n->as_array();
  if (a == nullptr || a->size() != count) fail(key, fmt::format("expected an array of {} numbers", count));
  std::vector<double> out;
  for (const toml::node& e : *a) {
    if (!e.is_number()) fail(key, fmt::format("expected an array of {} numbers", count));
    const double v = *e.value<double>();
    if (!(v >= min && v <= max)) fail(key, fmt::format("{} is outside {}..{}", v, min, max));
    out.push_back(v);
  }
  return out;
}

std::optional<std::vector<std::int64_t>> TomlSection::increasing_integers(const char* key, std::int64_t min, std::int64_t max) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  const auto bad = [&] { fail(key, fmt::format("expected increasing integers in {}..{}, e.g. [{}, {}]", min, max, min, max)); };
  const toml::array* a = n->as_array();
  if (a == nullptr) bad();
  std::vector<std::int64_t> out;
  for (const toml::node& e : *a) {
    if (!e.is_integer()) bad();
    const std::int64_t v = *e.value<std::int64_t>();
    if (v < min || v > max || (!out.empty() && v <= out.back())) bad();
    out.push_back(v);
  }
  return out;
}

std::optional<std::vector<std::pair<std::int64_t, double>>> TomlSection::steps(const char* key) {
  const toml::node* n = node(key);
  if (n == nullptr) return std::nullopt;
  const auto bad = [&] { fail(key, "expected [[epoch, value], ...] starting at epoch 0, epochs increasing, values > 0"); };
  const toml::array* a = n->as_array();
  if (a == nullptr || a->empty()) bad();
  std::vector<std::pair<std::int64_t, double>> out;
  for (const toml::node& e : *a) {
    const toml::array* pair = e.as_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_integer() || !(*pair)[1].is_number()) bad();
    const std::int64_t epoch = *(*pair)[0].value<std::int64_t>();
    const double value = *(*pair)[1].value<double>();
    if (value <= 0 || (out.empty() ? epoch != 0 : epoch <= out.back().first)) bad();
    out.emplace_back(epoch, value);
  }
  return out;
}

TomlSection TomlSection::section(const char* key) {
  const toml::node* n = node(key);
  if (n != nullptr && !n->is_table()) fail(key, "expected a table");
  return TomlSection(n != nullptr ? n->as_table() : nullptr, prefix_ + key + ".", file_);
}

void TomlSection::finish() const {
  if (table_ == nullptr) return;
  for (const auto& [key, value] : *table_)
    if (!read_.contains(std::string(key.str()))) {
      throw ConfigError(fmt::format("{}: {}{}: unknown key", where(&value), prefix_, key.str()));
    }
}

}  // namespace unas::run
