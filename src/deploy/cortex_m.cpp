#include "deploy/cortex_m.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "common/child_process.h"

namespace unas::deploy {

namespace {

namespace fs = std::filesystem;

// Generous: a firmware with a few hundred kilobytes of weights as C arrays compiles in seconds,
// but the machine may be busy training.
constexpr double kToolTimeoutSeconds = 600.0;

std::string describe_failure(const std::string& tool, const ChildOutput& run) {
  std::string what = tool;
  if (run.outcome.timed_out) {
    what += " ran out of time";
  } else if (run.outcome.signal != 0) {
    what += " was killed by " + signal_name(run.outcome.signal);
  } else {
    what += " failed (exit status " + std::to_string(run.outcome.exit_status) + ")";
  }
  std::string message = run.stderr_text.empty() ? run.stdout_text : run.stderr_text;
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message.empty() ? what : what + ":\n" + message;
}

// newlib's include directory, where the toolchain keeps it: beside the lib directory that holds
// libc.a (<prefix>/arm-none-eabi/{lib,include}, in Debian's package as in ARM's). Empty when
// not found.
fs::path newlib_include_dir(const CortexMToolchain& toolchain) {
  const ChildOutput found = run_capturing_output({toolchain.gcc, "-print-file-name=libc.a"}, kToolTimeoutSeconds);
  if (!found.outcome.exited_cleanly()) return {};
  std::string libc = found.stdout_text;
  while (!libc.empty() && (libc.back() == '\n' || libc.back() == '\r')) libc.pop_back();
  const fs::path include = fs::path(libc).parent_path().parent_path() / "include";
  std::error_code error;
  if (!fs::exists(include / "newlib.h", error) || !fs::exists(include / "stdint.h", error)) return {};
  return include;
}

}  // namespace

std::optional<fs::path> find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr || name.empty()) return std::nullopt;
  std::istringstream directories(path);
  for (std::string directory; std::getline(directories, directory, ':');) {
    if (directory.empty()) directory = ".";  // an empty entry is the current directory
    const fs::path candidate = fs::path(directory) / name;
    std::error_code error;
    if (fs::is_regular_file(candidate, error) && access(candidate.c_str(), X_OK) == 0)
      return fs::absolute(candidate, error);
  }
  return std::nullopt;
}

std::optional<CortexMToolchain> find_cortex_m_toolchain() {
  const auto gcc = find_on_path("arm-none-eabi-gcc");
  const auto size = find_on_path("arm-none-eabi-size");
  const auto qemu = find_on_path("qemu-system-arm");
  if (!gcc || !size || !qemu) return std::nullopt;
  return CortexMToolchain{gcc->string(), size->string(), qemu->string()};
}

FirmwareSize build_firmware(const CortexMToolchain& toolchain, const std::vector<fs::path>& sources,
                            const std::vector<fs::path>& include_dirs, const fs::path& elf_out,
                            const fs::path& runtime_dir, const std::vector<std::string>& extra_flags) {
  const fs::path board = runtime_dir / "mps2";
  if (!fs::exists(board / "startup.c") || !fs::exists(board / "mps2_an385.ld"))
    throw std::runtime_error("build_firmware: no startup.c and mps2_an385.ld in " + board.string());
  std::vector<std::string> argv = {toolchain.gcc, "-mcpu=cortex-m3", "-mthumb", "-O2", "-std=c99",
                                   // Each function and object in a section of its own, and the
                                   // unused ones dropped: the size is what the firmware needs.
                                   "-ffunction-sections", "-fdata-sections", "-Wl,--gc-sections",
                                   // newlib with semihosting; our startup instead of rdimon's crt0.
                                   "--specs=rdimon.specs", "-nostartfiles", "-T", (board / "mps2_an385.ld").string(),
                                   "-DUNAS_MPS2=1"};
  for (const fs::path& directory : include_dirs) argv.push_back("-I" + directory.string());
  argv.push_back("-I" + board.string());
  // Debian's arm-none-eabi-gcc ships GCC's freestanding <stdint.h>, which does not hand over to
  // newlib's: <inttypes.h> included before <stdio.h> then lacks PRId64 and its kin. newlib's
  // include directory ahead of GCC's makes newlib's <stdint.h> the one, as in a hosted GCC.
  if (const fs::path newlib = newlib_include_dir(toolchain); !newlib.empty()) {
    argv.push_back("-isystem");
    argv.push_back(newlib.string());
  }
  for (const std::string& flag : extra_flags) argv.push_back(flag);
  argv.push_back((board / "startup.c").string());
  for (const fs::path& source : sources) argv.push_back(source.string());
  argv.push_back("-o");
  argv.push_back(elf_out.string());
  const ChildOutput compiled = run_capturing_output(argv, kToolTimeoutSeconds);
  if (!compiled.outcome.exited_cleanly()) throw std::runtime_error(describe_failure("arm-none-eabi-gcc", compiled));
  return firmware_size(toolchain, elf_out);
}

FirmwareSize firmware_size(const CortexMToolchain& toolchain, const fs::path& elf) {
  // Berkeley format in decimal: a header line, then "text data bss dec hex filename".
  const ChildOutput sized = run_capturing_output({toolchain.size, "-B", "-d", elf.string()}, kToolTimeoutSeconds);
  if (!sized.outcome.exited_cleanly()) throw std::runtime_error(describe_failure("arm-none-eabi-size", sized));
  std::istringstream lines(sized.stdout_text);
  std::string header, values;
  std::getline(lines, header);
  std::getline(lines, values);
  std::istringstream fields(values);
  FirmwareSize size;
  if (!(fields >> size.text >> size.data >> size.bss))
    throw std::runtime_error("arm-none-eabi-size: cannot read the sizes of " + elf.string() + " in:\n" +
                             sized.stdout_text);
  return size;
}

QemuRun run_on_qemu(const CortexMToolchain& toolchain, const fs::path& elf, double timeout_seconds) {
  // No display, and neither the serial port nor the monitor on stdio: qemu then leaves the
  // terminal alone, and its stdout carries only what the firmware writes through semihosting.
  // target=native: semihosting served by qemu itself (not a gdb attached to it).
  const ChildOutput ran = run_capturing_output(
      {toolchain.qemu, "-machine", "mps2-an385", "-cpu", "cortex-m3", "-display", "none", "-monitor", "none", "-serial",
       "none", "-semihosting-config", "enable=on,target=native", "-kernel", elf.string()},
      timeout_seconds);
  QemuRun run;
  run.stdout_text = ran.stdout_text;
  run.stderr_text = ran.stderr_text;
  run.timed_out = ran.outcome.timed_out;
  run.exit_status = ran.outcome.exit_status;
  run.seconds = ran.outcome.seconds;
  if (ran.outcome.signal != 0) run.stderr_text += "qemu-system-arm killed by " + signal_name(ran.outcome.signal) + "\n";
  return run;
}

std::optional<std::int64_t> reported_stack_bytes(const std::string& stderr_text) {
  static constexpr std::string_view kPrefix = "unas stack bytes used: ";
  std::optional<std::int64_t> bytes;
  std::istringstream lines(stderr_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(kPrefix, 0) != 0) continue;
    try {
      std::size_t used = 0;
      const std::string number = line.substr(kPrefix.size());
      const long long value = std::stoll(number, &used);
      if (used == number.size() && value >= 0) bytes = value;
    } catch (const std::exception&) {  // not a number: not our line
    }
  }
  return bytes;
}

}  // namespace unas::deploy
