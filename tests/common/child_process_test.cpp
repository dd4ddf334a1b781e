// Child processes as trainer ranks use them: the answer on descriptor 3, each way of ending told
// apart, a time limit that kills, stop signals left to the parent; and sizes as configs write them.
#include "common/child_process.h"

#include <gtest/gtest.h>

#include <csignal>

#include "common/byte_size.h"

namespace unas {
namespace {

ChildOutcome shell(const std::string& script, const std::string& input = "",
                   std::optional<double> timeout = std::nullopt) {
  return run_child({"/bin/sh", "-c", script}, input, timeout);
}

TEST(ChildProcess, AnswersOnDescriptorThreeWhatItReadOnStdin) {
  std::string input(8 << 20, 'x');  // far more than a pipe holds: writing and reading interleave
  input += "end";
  const ChildOutcome o = shell("cat >&3; echo logged", input);
  EXPECT_TRUE(o.exited_cleanly());
  EXPECT_EQ(o.answer, input);
  EXPECT_GT(o.seconds, 0.0);
}

TEST(ChildProcess, TellsExitStatusSignalAndTimeoutApart) {
  const ChildOutcome exited = shell("echo partial >&3; exit 7");
  EXPECT_EQ(exited.exit_status, 7);
  EXPECT_EQ(exited.signal, 0);
  EXPECT_FALSE(exited.exited_cleanly());
  EXPECT_EQ(exited.answer, "partial\n");

  const ChildOutcome crashed = shell("kill -SEGV $$");
  EXPECT_EQ(crashed.signal, SIGSEGV);
  EXPECT_FALSE(crashed.timed_out);
  EXPECT_EQ(signal_name(crashed.signal), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");

  const ChildOutcome hung = shell("sleep 30", "", 0.3);
  EXPECT_TRUE(hung.timed_out);
  EXPECT_GE(hung.seconds, 0.3);
  EXPECT_LT(hung.seconds, 10.0);
  // One that closed its answer and then hangs is killed at the same limit.
  const ChildOutcome closed = shell("echo done >&3; exec 3>&-; sleep 30", "", 0.3);
  EXPECT_TRUE(closed.timed_out);
  EXPECT_EQ(closed.answer, "done\n");
  // A stopped process (a hang as a debugger or SIGSTOP leaves it) is killed too.
  EXPECT_TRUE(shell("kill -STOP $$", "", 0.3).timed_out);
}

TEST(ChildProcess, StopSignalsAreTheParentsToHandle) {
  const ChildOutcome o = shell("kill -USR1 $$; kill -TERM $$; kill -INT $$; echo survived >&3");
  EXPECT_TRUE(o.exited_cleanly());
  EXPECT_EQ(o.answer, "survived\n");
}

TEST(ChildProcess, AChildThatIgnoresItsInputCostsTheParentNothing) {
  const ChildOutcome o = shell("exit 0", std::string(4 << 20, 'y'));
  EXPECT_TRUE(o.exited_cleanly());
  EXPECT_TRUE(o.answer.empty());
  EXPECT_THROW(run_child({"/nonexistent/program"}, ""), std::system_error);
}

TEST(ChildProcess, CapturesAToolsStdoutAndStderrApart) {
  // More than a pipe holds on both streams at once: neither may block the other.
  const ChildOutput o =
      run_capturing_output({"/bin/sh", "-c",
                            "head -c 200000 /dev/zero | tr '\\0' o; head -c 200000 /dev/zero | tr '\\0' e >&2; "
                            "echo out; echo err >&2; exit 4"});
  EXPECT_EQ(o.outcome.exit_status, 4);
  EXPECT_EQ(o.stdout_text, std::string(200000, 'o') + "out\n");
  EXPECT_EQ(o.stderr_text, std::string(200000, 'e') + "err\n");
  EXPECT_TRUE(o.outcome.answer.empty());
  // Its stdin is empty (a tool waiting for input ends at once), and the time limit holds.
  EXPECT_TRUE(run_capturing_output({"/bin/cat"}).outcome.exited_cleanly());
  const ChildOutput hung = run_capturing_output({"/bin/sh", "-c", "echo started; sleep 30"}, 0.3);
  EXPECT_TRUE(hung.outcome.timed_out);
  EXPECT_EQ(hung.stdout_text, "started\n");
  EXPECT_THROW(run_capturing_output({"/nonexistent/program"}), std::system_error);
}

TEST(ByteSize, ParsesWhatConfigsWriteAndPrintsItBack) {
  EXPECT_EQ(parse_byte_size("4GiB"), 4LL << 30);
  EXPECT_EQ(parse_byte_size("512 MiB"), 512LL << 20);
  EXPECT_EQ(parse_byte_size("1.5GiB"), 3LL << 29);
  EXPECT_EQ(parse_byte_size("2GB"), 2'000'000'000);
  EXPECT_EQ(parse_byte_size("65536"), 65536);
  EXPECT_EQ(parse_byte_size("100B"), 100);
  for (const char* bad : {"", "GiB", "4 gigs", "-1GiB", "0", "0.5B", "4GiBs"})
    EXPECT_FALSE(parse_byte_size(bad)) << bad;
  EXPECT_EQ(byte_size_text(4LL << 30), "4 GiB");
  EXPECT_EQ(byte_size_text(1536LL << 20), "1536 MiB");
  EXPECT_EQ(byte_size_text(1000), "1000 B");
}

}  // namespace
}  // namespace unas
