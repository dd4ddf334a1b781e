#pragma once
// Building a C99 firmware for an emulated Cortex-M and running it: arm-none-eabi-gcc with
// newlib's semihosting library (rdimon), the startup code and linker script in
// runtime/mps2/, and qemu-system-arm's mps2-an385 board (a Cortex-M3) with semihosting, so
// the firmware's printf reaches qemu's stdout and its exit status becomes qemu's. The sizes
// arm-none-eabi-size reports are the firmware's flash (text + data) and static RAM (data + bss);
// the stack's high-water mark is measured on the target (runtime/mps2/stack_usage.h) and
// reported on its stderr. No torch.
//
// A firmware's main, as this expects it (UNAS_MPS2 is defined for the target build only):
//
//   #ifdef UNAS_MPS2
//   #include "stack_usage.h"
//   #endif
//   int main(void) {
//   #ifdef UNAS_MPS2
//     unas_stack_paint();          // measure from here on
//   #endif
//     ... inference ...
//   #ifdef UNAS_MPS2
//     unas_report_stack_usage();   // stderr: "unas stack bytes used: N"
//   #endif
//     printf(...);                 // the results: byte for byte what the host build prints
//     return 0;                    // qemu's exit status
//   }
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unas::deploy {

// The exit status of a firmware stopped by a fault (HardFault, or any other exception): the
// fault handler in runtime/mps2/startup.c (UNAS_FAULT_EXIT_STATUS there) prints the exception
// and its PC on stderr and ends qemu with it.
inline constexpr int kFirmwareFaultExitStatus = 250;

// Absolute paths of the tools.
struct CortexMToolchain {
  std::string gcc;   // arm-none-eabi-gcc
  std::string size;  // arm-none-eabi-size
  std::string qemu;  // qemu-system-arm
};

// The first executable `name` in a directory of $PATH.
std::optional<std::filesystem::path> find_on_path(std::string_view name);

// arm-none-eabi-gcc, arm-none-eabi-size and qemu-system-arm from $PATH; nullopt when any is
// missing (on Debian: gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm).
std::optional<CortexMToolchain> find_cortex_m_toolchain();

// Sections of a firmware as arm-none-eabi-size counts them (its Berkeley format): text is code
// and read-only data (const weights included), data is initialised RAM (stored in flash too),
// bss is zeroed RAM. The stack is in none of them.
struct FirmwareSize {
  std::int64_t text = 0;
  std::int64_t data = 0;
  std::int64_t bss = 0;
  std::int64_t flash() const { return text + data; }
  std::int64_t static_ram() const { return data + bss; }
};

// Compiles and links `sources` with runtime_dir/mps2/startup.c and runtime_dir/mps2/
// mps2_an385.ld into `elf_out` (its directory must exist), for -mcpu=cortex-m3 -mthumb at -O2
// as C99, unused sections dropped, with UNAS_MPS2 defined and runtime_dir/mps2 (stack_usage.h)
// on the include path after `include_dirs`. Full newlib, not newlib-nano: nano's printf has no
// %lld, so PRId64 would print differently from the host (pass --specs=nano.specs in
// `extra_flags` for a firmware that prints no 64-bit numbers: about 21 KiB less text).
// `extra_flags` go to arm-none-eabi-gcc after the defaults (-D..., -Wl,--defsym=__stack_size=...).
// Returns the sizes; throws std::runtime_error with the compiler's message when it fails.
FirmwareSize build_firmware(const CortexMToolchain& toolchain, const std::vector<std::filesystem::path>& sources,
                            const std::vector<std::filesystem::path>& include_dirs,
                            const std::filesystem::path& elf_out, const std::filesystem::path& runtime_dir,
                            const std::vector<std::string>& extra_flags = {});

// arm-none-eabi-size's text, data and bss of `elf`; throws std::runtime_error when it fails.
FirmwareSize firmware_size(const CortexMToolchain& toolchain, const std::filesystem::path& elf);

struct QemuRun {
  std::string stdout_text;  // what the firmware printed on stdout
  std::string stderr_text;  // its stderr (stack report, fault report), and qemu's own messages
  int exit_status = -1;     // the firmware's exit status (kFirmwareFaultExitStatus after a fault)
  bool timed_out = false;   // killed after timeout_seconds: it hung (or the machine is too slow)
  double seconds = 0.0;     // wall clock, qemu's start included
};

// Runs `elf` on qemu-system-arm -machine mps2-an385 with semihosting, no display, serial port
// or monitor, and an empty stdin. Throws std::system_error when qemu cannot be started.
QemuRun run_on_qemu(const CortexMToolchain& toolchain, const std::filesystem::path& elf, double timeout_seconds);

// The N of the "unas stack bytes used: N" line that unas_report_stack_usage() writes on the
// firmware's stderr (the last such line); nullopt when there is none.
std::optional<std::int64_t> reported_stack_bytes(const std::string& stderr_text);

}  // namespace unas::deploy
