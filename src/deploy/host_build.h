#pragma once
// Builds exported C sources for this machine with its C compiler (`cc`, or $CC) and runs the
// result: the host half of checking an export.
#include <filesystem>
#include <string>
#include <vector>

namespace unas::deploy {

// Compiles `sources` (C99, -O2, warnings on) into `program`; throws ExportError with the
// compiler's messages when it fails.
void build_host_program(const std::vector<std::filesystem::path>& sources, const std::vector<std::filesystem::path>& include_dirs,
                        const std::filesystem::path& program);

// Runs `argv` and returns what it printed on stdout; throws ExportError when it does not exit
// with status 0 within `timeout_seconds`.
std::string run_host_program(const std::vector<std::string>& argv, double timeout_seconds);

}  // namespace unas::deploy
