#include "run/scale_overlay.h"

#include <fmt/format.h>

#include <set>

#include "run/experiment_config.h"
#include "run/toml_tree.h"

namespace unas::run {

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> scale_folders(const fs::path& experiment_file) {
  return {experiment_file.parent_path() / "scales", fs::path("experiments") / "scales"};
}

std::string known_scales(const std::vector<fs::path>& folders) {
  std::set<std::string> names;
  for (const fs::path& folder : folders) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(folder, ignored))
      if (entry.path().extension() == ".toml") names.insert(entry.path().stem().string());
  }
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return list.empty() ? "none found" : "there are: " + list;
}

}  // namespace

ScaleOverlay find_scale(const std::string& name_or_path, const fs::path& experiment_file) {
  if (name_or_path.empty()) throw ConfigError("--scale: expected a scale name (local, smoke) or an overlay file");
  const bool is_path = name_or_path.find('/') != std::string::npos || fs::path(name_or_path).extension() == ".toml";
  if (is_path) {
    if (!fs::is_regular_file(name_or_path))
      throw ConfigError(fmt::format("--scale {}: no such overlay file", name_or_path));
    return {fs::path(name_or_path).stem().string(), name_or_path};
  }
  const auto folders = scale_folders(experiment_file);
  for (const fs::path& folder : folders)
    if (fs::is_regular_file(folder / (name_or_path + ".toml")))
      return {name_or_path, folder / (name_or_path + ".toml")};
  throw ConfigError(fmt::format("--scale {}: no {}.toml in {} ({})", name_or_path, name_or_path,
                                folders.front().string(), known_scales(folders)));
}

void apply_scale(toml::table& root, const ScaleOverlay& scale) {
  toml::table overlay = parse_toml_file(scale.file);
  for (const char* key : {"name", "extends", "scale"})
    if (const toml::node* n = overlay.get(key))
      throw ConfigError(fmt::format("{}:{}: {}: a scale overlay cannot set it (a scaled run is the same experiment)",
                                    scale.file.string(), n->source().begin.line, key));
  merge_tables(root, overlay);
  root.insert_or_assign("scale", scale.name);
}

}  // namespace unas::run
