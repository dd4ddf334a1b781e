// The Cortex-M build and run: a C99 program built for qemu's mps2-an385 prints what its host
// build prints, byte for byte (64-bit products, shifts of negatives, signed division); its exit
// status comes back; a fault or a hang ends the run instead of hanging it; the stack's
// high-water mark and the section sizes move as the program says they should. Skipped where
// arm-none-eabi-gcc or qemu-system-arm is missing.
#include "deploy/cortex_m.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <iostream>
#include <stdexcept>

#include "common/child_process.h"

namespace unas::deploy {
namespace {

namespace fs = std::filesystem;

fs::path runtime_dir() {
#ifdef UNAS_SOURCE_DIR
  return fs::path(UNAS_SOURCE_DIR) / "src" / "deploy" / "runtime";
#else
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "src" / "deploy" / "runtime";
#endif
}

// Deterministic integer work of the kinds an int8 runtime does, printed with the <inttypes.h>
// macros. Options: STATUS (main's return), EXTRA_STACK (4 KiB more stack), BIG_TABLE (10 KiB of
// const data), BIG_BSS (8 KiB of zeroed data), BIG_DATA (1 KiB of initialised data).
constexpr const char* kProgram = R"(#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#ifdef UNAS_MPS2
#include "stack_usage.h"
#endif
#ifndef STATUS
#define STATUS 0
#endif

#ifdef BIG_TABLE
static const uint8_t table[10240] = {1, 2, 3, 4, 5, 6, 7, 8};
#endif
#ifdef BIG_BSS
static int32_t scratch[2048];
#endif
#ifdef BIG_DATA
static int32_t initialised[256] = {1, 2, 3, 4, 5, 6, 7, 8};
#endif

/* TFLite's saturating rounding doubling high multiply: the core of requantisation. */
static int32_t high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static uint64_t checksum(int n) {
  uint32_t state = 2463534242u;
  uint64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    const int32_t v = (int32_t)state;
    const int32_t q = v >> (i & 31);
    const int64_t p = (int64_t)v * (int64_t)(q | 1);
    sum = sum * 31u + (uint64_t)(p >> 17) + (uint64_t)(int64_t)high_mul(v, q);
    sum += (uint64_t)(int64_t)((int8_t)(v % 127) / 3);
  }
  return sum;
}

int main(void) {
#ifdef UNAS_MPS2
  unas_stack_paint();
#endif
  uint64_t result = checksum(100000);
#ifdef EXTRA_STACK
  volatile int8_t local[4096];
  for (int i = 0; i < 4096; ++i) local[i] = (int8_t)(result >> (i & 31));
  for (int i = 0; i < 4096; i += 7) result += (uint64_t)local[i];
#endif
#ifdef BIG_TABLE
  for (int i = 0; i < 10240; i += 13) result += table[i];
#endif
#ifdef BIG_BSS
  for (int i = 0; i < 2048; ++i) scratch[i] = (int32_t)(result >> (i & 15));
  result += (uint64_t)scratch[(int)(result & 2047)];
#endif
#ifdef BIG_DATA
  initialised[(int)(result & 255)] += 1;  /* written: it stays data, not promoted to const */
  result += (uint64_t)initialised[(int)((result >> 8) & 255)];
#endif
#ifdef UNAS_MPS2
  unas_report_stack_usage();
#endif
  printf("checksum %" PRIu64 " %" PRId64 "\n", result, (int64_t)result);
  printf("high_mul %" PRId32 " %" PRId32 " %" PRId32 "\n", high_mul(INT32_MIN, INT32_MIN),
         high_mul(-12345678, 987654321), high_mul(2147483647, -2));
  printf("shifts %" PRId32 " %" PRId64 " %" PRId32 "\n", (int32_t)-1000 >> 3,
         (int64_t)-123456789012345LL >> 20, (int32_t)-7 / 2);
  return STATUS;
}
)";

class CortexM : public ::testing::Test {
 protected:
  void SetUp() override {
    toolchain_ = find_cortex_m_toolchain();
    if (!toolchain_) GTEST_SKIP() << "arm-none-eabi-gcc, arm-none-eabi-size or qemu-system-arm not on PATH";
    std::string pattern = (fs::temp_directory_path() / "unas_cortex_m_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    if (!directory_.empty()) fs::remove_all(directory_, ignored);
  }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = directory_ / name;
    std::ofstream(path) << text;
    return path;
  }

  // Builds `source` for the target with `flags` into <name>.elf.
  FirmwareSize build(const fs::path& source, const std::string& name, const std::vector<std::string>& flags = {}) {
    return build_firmware(*toolchain_, {source}, {}, directory_ / (name + ".elf"), runtime_dir(), flags);
  }
  QemuRun run(const std::string& name, double timeout = 120.0) {
    return run_on_qemu(*toolchain_, directory_ / (name + ".elf"), timeout);
  }

  std::optional<CortexMToolchain> toolchain_;
  fs::path directory_;
};

TEST_F(CortexM, PrintsByteForByteWhatTheHostBuildPrints) {
  const fs::path source = write("program.c", kProgram);
  const FirmwareSize size = build(source, "program");
  const QemuRun target = run("program");
  ASSERT_FALSE(target.timed_out);
  EXPECT_EQ(target.exit_status, 0) << target.stderr_text;

  const auto cc = find_on_path("cc");
  if (!cc) GTEST_SKIP() << "no host cc to compare with";
  const fs::path host = directory_ / "program_host";
  const ChildOutput compiled =
      run_capturing_output({cc->string(), "-std=c99", "-O2", source.string(), "-o", host.string()}, 300.0);
  ASSERT_TRUE(compiled.outcome.exited_cleanly()) << compiled.stderr_text;
  const ChildOutput on_host = run_capturing_output({host.string()}, 60.0);
  ASSERT_TRUE(on_host.outcome.exited_cleanly());
  EXPECT_EQ(target.stdout_text, on_host.stdout_text);
  EXPECT_NE(target.stdout_text.find("checksum "), std::string::npos);
  EXPECT_NE(target.stdout_text.find("high_mul 2147483647 "), std::string::npos);  // %lld, not newlib-nano's "ld"
  std::cout << "target stdout:\n"
            << target.stdout_text << "text " << size.text << ", data " << size.data << ", bss " << size.bss
            << "; qemu ran " << target.seconds << " s\n";
}

TEST_F(CortexM, MainsReturnValueIsQemusExitStatus) {
  const fs::path source = write("program.c", kProgram);
  build(source, "three", {"-DSTATUS=3"});
  const QemuRun three = run("three");
  EXPECT_FALSE(three.timed_out);
  EXPECT_EQ(three.exit_status, 3);
  EXPECT_NE(three.stdout_text.find("checksum "), std::string::npos);  // stdout flushed by exit()
}

TEST_F(CortexM, AFaultEndsTheRunAtOnceAndAHangAtTheTimeLimit) {
  const fs::path bad_address = write("bad_address.c", R"(#include <stdio.h>
#include <stdint.h>
int main(void) {
  printf("before\n");
  volatile uint32_t* nowhere = (volatile uint32_t*)0x50000000u;  /* nothing mapped there */
  printf("%lu\n", (unsigned long)*nowhere);
  return 0;
}
)");
  build(bad_address, "bad_address");
  const QemuRun faulted = run("bad_address", 60.0);
  EXPECT_FALSE(faulted.timed_out);
  EXPECT_EQ(faulted.exit_status, kFirmwareFaultExitStatus);
  EXPECT_LT(faulted.seconds, 30.0);
  EXPECT_EQ(faulted.stdout_text, "before\n");
  EXPECT_NE(faulted.stderr_text.find("HardFault"), std::string::npos) << faulted.stderr_text;
  EXPECT_NE(faulted.stderr_text.find("BFAR 0x50000000"), std::string::npos) << faulted.stderr_text;

  // Integer division by zero traps, as it does on the host (SIGFPE), instead of giving 0.
  const fs::path divide = write("divide.c", R"(#include <stdio.h>
int main(void) { volatile int zero = 0; printf("%d\n", 7 / zero); return 0; }
)");
  build(divide, "divide");
  const QemuRun divided = run("divide", 60.0);
  EXPECT_FALSE(divided.timed_out);
  EXPECT_EQ(divided.exit_status, kFirmwareFaultExitStatus);
  EXPECT_NE(divided.stderr_text.find("CFSR 0x02000000"), std::string::npos) << divided.stderr_text;  // DIVBYZERO

  const fs::path hang = write("hang.c", "int main(void) { for (;;) {} }\n");
  build(hang, "hang");
  const QemuRun hung = run("hang", 1.0);
  EXPECT_TRUE(hung.timed_out);
  EXPECT_LT(hung.seconds, 30.0);
}

TEST_F(CortexM, StackHighWaterMarkGrowsWithALocalArray) {
  const fs::path source = write("program.c", kProgram);
  build(source, "small");
  build(source, "large", {"-DEXTRA_STACK=1"});
  const QemuRun small = run("small"), large = run("large");
  const auto small_bytes = reported_stack_bytes(small.stderr_text);
  const auto large_bytes = reported_stack_bytes(large.stderr_text);
  ASSERT_TRUE(small_bytes && large_bytes) << small.stderr_text << large.stderr_text;
  EXPECT_GT(*small_bytes, 0);
  EXPECT_LT(*small_bytes, 1024);  // main and checksum: a few registers, no printf
  EXPECT_GE(*large_bytes - *small_bytes, 4096);
  EXPECT_LT(*large_bytes - *small_bytes, 4096 + 256);
  std::cout << "stack: " << *small_bytes << " bytes, " << *large_bytes << " with a 4 KiB local array\n";
}

TEST_F(CortexM, SectionSizesShowConstDataAndZeroedData) {
  const fs::path source = write("program.c", kProgram);
  const FirmwareSize base = build(source, "base");
  const FirmwareSize table = build(source, "table", {"-DBIG_TABLE=1"});
  const FirmwareSize bss = build(source, "bss", {"-DBIG_BSS=1"});
  const FirmwareSize data = build(source, "data", {"-DBIG_DATA=1"});
  // Full newlib's printf is most of it: tens of kilobytes, not megabytes.
  EXPECT_GT(base.text, 4096);
  EXPECT_LT(base.text, 128 * 1024);
  EXPECT_GT(base.data, 0);
  EXPECT_LT(base.static_ram(), 16 * 1024);
  EXPECT_EQ(base.flash(), base.text + base.data);
  // Const data is flash (text), not RAM.
  EXPECT_GE(table.text - base.text, 10240);
  EXPECT_LT(table.text - base.text, 10240 + 256);
  EXPECT_EQ(table.static_ram(), base.static_ram());
  // Zeroed data is bss; initialised data is data.
  EXPECT_GE(bss.bss - base.bss, 8192);
  EXPECT_LT(bss.bss - base.bss, 8192 + 64);
  EXPECT_EQ(bss.data, base.data);
  EXPECT_GE(data.data - base.data, 1024);
  EXPECT_LT(data.data - base.data, 1024 + 64);
  // The sizes are arm-none-eabi-size's.
  EXPECT_EQ(firmware_size(*toolchain_, directory_ / "table.elf").text, table.text);
}

TEST_F(CortexM, ACompileErrorThrowsTheCompilersMessage) {
  const fs::path broken = write("broken.c", "int main(void) { return undeclared_name; }\n");
  try {
    build(broken, "broken");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("arm-none-eabi-gcc failed"), std::string::npos) << what;
    EXPECT_NE(what.find("undeclared_name"), std::string::npos) << what;
  }
  EXPECT_THROW(build_firmware(*toolchain_, {broken}, {}, directory_ / "x.elf", directory_), std::runtime_error);
}

TEST(CortexMReport, ReadsTheLastStackLineOfStderr) {
  EXPECT_EQ(reported_stack_bytes("unas stack bytes used: 1234\n"), 1234);
  EXPECT_EQ(reported_stack_bytes("qemu: a warning\nunas stack bytes used: 10\nunas stack bytes used: 20\n"), 20);
  EXPECT_FALSE(reported_stack_bytes(""));
  EXPECT_FALSE(reported_stack_bytes("unas stack bytes used: lots\n"));
  EXPECT_FALSE(reported_stack_bytes("unas stack bytes used: -3\n"));
}

}  // namespace
}  // namespace unas::deploy
