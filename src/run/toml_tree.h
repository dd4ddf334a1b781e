#pragma once
// Reading TOML files and merging tables, shared by experiment files, `extends` and scale overlays.
#include <toml++/toml.h>

#include <filesystem>

namespace unas::run {

// Parses a file; a syntax error is a ConfigError naming file and line.
toml::table parse_toml_file(const std::filesystem::path& file);

// `into` takes every key of `from`; tables present in both merge key by key, `from` winning.
// Nodes are moved, not copied: a copy forgets the file and line it came from, which error
// messages name.
void merge_tables(toml::table& into, toml::table& from);

}  // namespace unas::run
