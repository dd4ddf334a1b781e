#pragma once
#include <CLI/CLI.hpp>

namespace unas::cli {

// `unas data info`: loads a data set and summarises it, to check it before a long run.
void register_data_command(CLI::App& app);

}  // namespace unas::cli
