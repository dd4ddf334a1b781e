#include "deploy/host_build.h"

#include <fmt/format.h>

#include <cstdlib>

#include "common/child_process.h"
#include "deploy/cortex_m.h"
#include "deploy/export_error.h"

namespace unas::deploy {

namespace {

std::string compiler() {
  const char* cc = std::getenv("CC");
  const std::string name = cc && *cc ? cc : "cc";
  const auto path = find_on_path(name);
  if (!path) throw ExportError(fmt::format("no C compiler \"{}\" on PATH (set CC, or install build-essential)", name));
  return path->string();
}

std::string failure_text(const ChildOutput& run) {
  const ChildOutcome& o = run.outcome;
  const std::string said = run.stderr_text.empty() ? run.stdout_text : run.stderr_text;
  if (o.timed_out) return "timed out";
  if (o.signal) return fmt::format("killed by {}: {}", signal_name(o.signal), said);
  return fmt::format("exit status {}: {}", o.exit_status, said);
}

}  // namespace

void build_host_program(const std::vector<std::filesystem::path>& sources, const std::vector<std::filesystem::path>& include_dirs,
                        const std::filesystem::path& program) {
  std::vector<std::string> argv{compiler(), "-std=c99", "-O2", "-Wall", "-Wextra", "-o", program.string()};
  for (const auto& dir : include_dirs) argv.push_back("-I" + dir.string());
  for (const auto& source : sources) argv.push_back(source.string());
  const ChildOutput run = run_capturing_output(argv, 600.0);
  if (!run.outcome.exited_cleanly())
    throw ExportError(fmt::format("building {} for the host failed ({})", program.filename().string(), failure_text(run)));
}

std::string run_host_program(const std::vector<std::string>& argv, double timeout_seconds) {
  const ChildOutput run = run_capturing_output(argv, timeout_seconds);
  if (!run.outcome.exited_cleanly())
    throw ExportError(fmt::format("{} failed on the host ({})", std::filesystem::path(argv.at(0)).filename().string(),
                                  failure_text(run)));
  return run.stdout_text;
}

}  // namespace unas::deploy
