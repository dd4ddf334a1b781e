#pragma once
#include <CLI/CLI.hpp>

namespace unas::cli {

// `unas run`, `unas check` and `unas retrain`. `exit_code` receives the code main returns.
void register_run_commands(CLI::App& app, int& exit_code);

}  // namespace unas::cli
