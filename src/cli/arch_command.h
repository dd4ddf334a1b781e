#pragma once
#include <CLI/CLI.hpp>

namespace unas::cli {

// `unas arch random|stats|morph`: the search space and resource model on their own.
void register_arch_command(CLI::App& app);

}  // namespace unas::cli
