#include "run/toml_tree.h"

#include <fmt/format.h>

#include "run/experiment_config.h"

namespace unas::run {

toml::table parse_toml_file(const std::filesystem::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
  }
}

void merge_tables(toml::table& into, toml::table& from) {
  for (auto&& [key, value] : from) {
    toml::node* existing = into.get(key);
    if (existing != nullptr && existing->is_table() && value.is_table()) {
      merge_tables(*existing->as_table(), *value.as_table());
    } else {
      value.visit([&](auto&& v) { into.insert_or_assign(key, std::move(v)); });
    }
  }
}

}  // namespace unas::run
