#pragma once
// Runs a program as a child process with a message on its stdin, collects the message it writes
// to file descriptor 3, and reports how it ended: exited (with which status), killed by a signal,
// or out of time (then killed). Its stdout and stderr are the caller's, so what it logs lands
// in the job's log. For a tool whose stdout is the result (a compiler, an emulator),
// run_capturing_output collects stdout and stderr instead. No torch, no MPI: posix_spawn (a vfork
// and exec, cheap even from a process holding gigabytes, and safe under OpenMPI, where a plain
// fork of a rank is not).
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace unas {

// The descriptor on which the child writes its answer: its stdout stays free for logging.
inline constexpr int kChildAnswerFd = 3;

struct ChildOutcome {
  std::string answer;      // what it wrote to kChildAnswerFd
  bool timed_out = false;  // killed (SIGKILL) when the time limit passed
  int exit_status = -1;    // when it exited by itself, its status
  int signal = 0;          // when a signal ended it
  double seconds = 0.0;    // from start to end, wall clock
  bool exited_cleanly() const { return !timed_out && signal == 0 && exit_status == 0; }
};

// Starts `argv` (argv[0] a path), writes `input` to its stdin and closes it, reads its answer
// until it closes descriptor 3, and waits for it; kills it with SIGKILL once `timeout_seconds`
// (if any) have passed since the start. The child starts with SIGTERM, SIGUSR1 and SIGINT
// blocked: the stop signals a batch system sends every process of a job are its parent's to
// handle. Throws std::system_error when it cannot be started.
ChildOutcome run_child(const std::vector<std::string>& argv, const std::string& input,
                       std::optional<double> timeout_seconds = std::nullopt);

// What a tool run by run_capturing_output printed, each stream in full, and how it ended.
struct ChildOutput {
  ChildOutcome outcome;  // its answer stays empty: descriptor 3 is not collected
  std::string stdout_text;
  std::string stderr_text;
};

// As run_child, but with an empty stdin, and collecting what the child writes to its stdout and
// its stderr (apart, so a tool's diagnostics never mix with its output) until it closes both.
ChildOutput run_capturing_output(const std::vector<std::string>& argv,
                                 std::optional<double> timeout_seconds = std::nullopt);

// "SIGSEGV", "SIGKILL", ... ("signal 42" for one without a name).
std::string signal_name(int signal);

// For the child: die with SIGKILL when the process that started it dies (a killed trainer rank
// must not leave a training process behind), and exit at once if it has died already.
void die_with_parent(pid_t parent);

// For the child: everything on descriptor `fd` until its end (its stdin: what the parent sent).
std::string read_all(int fd);

// For the child: allocations past `bytes` of private memory (heap, anonymous mappings, thread
// stacks: RLIMIT_DATA) fail, so running out is an exception it can report, not the kernel's
// OOM killer taking a process at random. Unlike an address-space limit, this leaves alone the
// large reservations that shared libraries and CUDA make.
void limit_memory(std::int64_t bytes);

}  // namespace unas
