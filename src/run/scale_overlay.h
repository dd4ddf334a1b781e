#pragma once
// `unas run|check EXP --scale NAME`: the same experiment at another size (one machine, a smoke
// test) without a copy of its file. NAME names an overlay, experiments/scales/NAME.toml (looked
// up in scales/ beside the experiment file, then in experiments/scales/ under the current
// directory), or is the path of any overlay file. The overlay holds experiment keys, merged over
// the experiment after `extends` and before `--set`: usually [search] rounds / population /
// sample / initial_population, [dataset] max_train / max_validation / max_test, and
// [training] epoch_scale (see epoch_scale.h), which scales each experiment's own schedule.
// It may not set name or extends: a scaled run is the same experiment, smaller.
//
// The scale's name (the overlay's file stem) becomes the top-level key `scale` of the resolved
// experiment, so it is part of the digest and of the results file's stored experiment, and
// results go to results/<name>.<scale>.h5 unless [run] results says otherwise: a scaled run
// never resumes from, or collides with, the full run.
#include <toml++/toml.h>

#include <filesystem>
#include <string>

namespace unas::run {

struct ScaleOverlay {
  std::string name;            // "local"
  std::filesystem::path file;  // experiments/scales/local.toml
};

// Throws ConfigError naming the scales there are when NAME is not found.
ScaleOverlay find_scale(const std::string& name_or_path, const std::filesystem::path& experiment_file);

// Merges the overlay over `root` and records `scale = "<name>"`.
void apply_scale(toml::table& root, const ScaleOverlay& scale);

}  // namespace unas::run
