#pragma once
#include <CLI/CLI.hpp>

namespace unas::cli {

// `unas export`: models of a results file as int8 C sources with a planned arena, checked on
// the host (int8 accuracy on the test split) and on an emulated Cortex-M; each export is
// recorded in the file's /exports table. `exit_code` receives the code main returns.
void register_export_command(CLI::App& app, int& exit_code);

}  // namespace unas::cli
