#pragma once
#include <CLI/CLI.hpp>

namespace unas::cli {

// `unas train`: trains architectures from a JSON file, one after another, and prints their
// errors, timings and resource figures (before and after pruning). For one-off checks; a
// search is `unas run`.
void register_train_command(CLI::App& app);

}  // namespace unas::cli
