#pragma once
#include <CLI/CLI.hpp>

namespace unas::cli {

// `unas inspect`: a results file's progress, outcomes, weight inheritance, retraining and front.
// `exit_code` receives the code main returns.
void register_inspect_command(CLI::App& app, int& exit_code);

}  // namespace unas::cli
