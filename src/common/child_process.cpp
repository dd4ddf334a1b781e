#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

extern char** environ;

namespace unas {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() { close(); }
  int get() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A pipe whose ends are close-on-exec and numbered 10 or above: the child's ends are then
// duplicated onto 0 and 3, never already sitting there (a dup2 onto itself would keep the
// close-on-exec flag and the child would start without them).
struct Pipe {
  Fd read, write;
};
Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  Pipe p{Fd(fcntl(fds[0], F_DUPFD_CLOEXEC, 10)), Fd(fcntl(fds[1], F_DUPFD_CLOEXEC, 10))};
  ::close(fds[0]);
  ::close(fds[1]);
  if (p.read.get() < 0 || p.write.get() < 0) throw_errno("fcntl");
  return p;
}

// Each output pipe's write end becomes the child's descriptor `target` (3 for an answer; 1 and 2
// for a tool's stdout and stderr).
struct Output {
  Pipe pipe;
  int target;
  std::string* sink;
};

pid_t spawn(const std::vector<std::string>& argv, int stdin_fd, const std::vector<Output>& outputs) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  for (const Output& o : outputs) posix_spawn_file_actions_adddup2(&actions, o.pipe.write.get(), o.target);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t blocked, defaults;
  sigemptyset(&blocked);
  for (int s : {SIGTERM, SIGUSR1, SIGINT}) sigaddset(&blocked, s);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // the parent ignores it; the child should not inherit that
  posix_spawnattr_setsigmask(&attributes, &blocked);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw std::system_error(error, std::generic_category(), "cannot start " + argv[0]);
  return pid;
}

int milliseconds_until(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// run_child and run_capturing_output: starts `argv`, feeds it `input`, collects what it writes
// to each output's descriptor until it has closed them all, and waits for it.
ChildOutcome run(const std::vector<std::string>& argv, const std::string& input, std::optional<double> timeout_seconds,
                 std::vector<Output> outputs) {
  // A child that dies before it has read its input must cost an EPIPE, not this process.
  static const bool sigpipe_ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  Pipe in = make_pipe();
  const auto started = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (timeout_seconds)
    deadline = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*timeout_seconds));
  const pid_t pid = spawn(argv, in.read.get(), outputs);
  in.read.close();
  for (Output& o : outputs) o.pipe.write.close();
  fcntl(in.write.get(), F_SETFL, O_NONBLOCK);

  ChildOutcome outcome;
  std::size_t written = 0;
  if (input.empty()) in.write.close();
  char buffer[1 << 16];
  const auto open_outputs = [&] {
    return std::count_if(outputs.begin(), outputs.end(), [](const Output& o) { return o.pipe.read.get() >= 0; });
  };
  while (open_outputs() > 0) {
    // The outputs still open, then stdin while there is input left to write.
    std::vector<pollfd> fds;
    std::vector<Output*> polled;
    for (Output& o : outputs)
      if (o.pipe.read.get() >= 0) {
        fds.push_back({o.pipe.read.get(), POLLIN, 0});
        polled.push_back(&o);
      }
    if (in.write.get() >= 0) fds.push_back({in.write.get(), POLLOUT, 0});
    const int ready = poll(fds.data(), fds.size(), milliseconds_until(deadline));
    if (ready < 0 && errno != EINTR) throw_errno("poll");
    if (deadline && Clock::now() >= *deadline) {
      outcome.timed_out = true;
      break;
    }
    if (ready <= 0) continue;
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = read(polled[i]->pipe.read.get(), buffer, sizeof buffer);
      if (n > 0) polled[i]->sink->append(buffer, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) polled[i]->pipe.read.close();
    }
    if (in.write.get() >= 0 && fds.back().revents != 0) {
      const ssize_t n = write(in.write.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      // Everything written, or the child closed its stdin (it died, or needs no more).
      if (written == input.size() || (n < 0 && errno != EINTR && errno != EAGAIN)) in.write.close();
    }
  }
  in.write.close();
  // It closed its outputs (or ran out of time): now it should end.
  int status = 0;
  if (outcome.timed_out) kill(pid, SIGKILL);
  for (;;) {
    const pid_t done = waitpid(pid, &status, outcome.timed_out ? 0 : WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) throw_errno("waitpid");
    if (done == 0 && deadline && Clock::now() >= *deadline) {  // it closed them and went on: out of time
      outcome.timed_out = true;
      kill(pid, SIGKILL);
    } else if (done == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  outcome.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (outcome.timed_out) return outcome;
  if (WIFEXITED(status)) outcome.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

}  // namespace

ChildOutcome run_child(const std::vector<std::string>& argv, const std::string& input,
                       std::optional<double> timeout_seconds) {
  std::string answer;
  std::vector<Output> outputs;
  outputs.push_back({make_pipe(), kChildAnswerFd, &answer});
  ChildOutcome outcome = run(argv, input, timeout_seconds, std::move(outputs));
  outcome.answer = std::move(answer);
  return outcome;
}

ChildOutput run_capturing_output(const std::vector<std::string>& argv, std::optional<double> timeout_seconds) {
  ChildOutput output;
  std::vector<Output> outputs;
  outputs.push_back({make_pipe(), 1, &output.stdout_text});
  outputs.push_back({make_pipe(), 2, &output.stderr_text});
  output.outcome = run(argv, "", timeout_seconds, std::move(outputs));
  return output;
}

std::string signal_name(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

void die_with_parent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the parent was gone before the line above took effect
}

std::string read_all(int fd) {
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read");
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

void limit_memory(std::int64_t bytes) {
  const rlimit limit{static_cast<rlim_t>(bytes), static_cast<rlim_t>(bytes)};
  if (setrlimit(RLIMIT_DATA, &limit) != 0) throw_errno("setrlimit(RLIMIT_DATA)");
}

}  // namespace unas
