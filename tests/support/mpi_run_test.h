#pragma once
// `unas run` as users start it, under mpirun, for integration tests: an experiment file per test
// in a fresh folder, runs to the end or killed at a moment, and the rows a results file holds so
// far. OpenMPI runs as root, oversubscribed, without its ptrace-based single-copy transport.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "store/results_file.h"
#include "support/temp_dir.h"

namespace unas::testing {

namespace fs = std::filesystem;

// A simulated search (trainers sleep ~0.02 s per candidate, a tenth of them fail) on a data set
// nobody reads.
constexpr const char* kSimulated = R"(
[dataset]
kind = "chars74k"
path = "unused"
[search]
rounds = 240
population = 10
sample = 4
initial_population = 10
[bounds]
error = 0.3
model_size = 20000
[simulate]
mean_seconds = 0.02
distribution = "uniform"
failure_rate = 0.1
)";

class MpiRunTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // OpenMPI as root in a container: allow root, no ptrace-based single-copy transport.
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
  }

  fs::path experiment(const std::string& name, const std::string& body) {
    const fs::path file = dir_ / (name + ".toml");
    std::ofstream(file) << "name = \"" << name << "\"\nseed = 5\n"
                        << body << "\n[run]\nresults = \"" << (dir_ / (name + ".h5")).string()
                        << "\"\ngrace_seconds = 0\n";
    return file;
  }

  static std::string command(int ranks, const fs::path& file, const std::string& extra = "") {
    const std::string unas = std::string(UNAS_BINARY) + " run " + file.string() + " " + extra;
    return ranks == 1 ? unas : "mpirun -np " + std::to_string(ranks) + " --bind-to none " + unas;
  }

  // Runs to the end; returns the exit code, with the output in `log`.
  int run(const std::string& cmd, std::string* log = nullptr) {
    const fs::path out = dir_ / "log.txt";
    const int status = std::system((cmd + " >" + out.string() + " 2>&1").c_str());
    if (log) {
      std::ifstream in(out);
      *log = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Candidates (or retrained rows) finished so far in a results file that may be being written
  // (0 if unreadable).
  static std::size_t finished_in(const fs::path& file, bool retrained = false) {
    try {
      if (!fs::exists(file)) return 0;
      const store::ResultsContents c = store::ResultsFile::read(file);
      return retrained ? c.retrained.size() : c.candidates.size();
    } catch (const std::exception&) {
      return 0;
    }
  }

  // Starts the command in a process group of its own and SIGKILLs the whole group `ms` after
  // `results` holds a new finished candidate (or retrained row) (start-up time varies with the
  // machine's load), or after a minute without one.
  void run_and_kill(const std::string& cmd, int ms, const fs::path& results, bool retrained = false) {
    const std::size_t before = finished_in(results, retrained);
    const pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      execl("/bin/sh", "sh", "-c", (cmd + " >/dev/null 2>&1").c_str(), nullptr);
      _exit(127);
    }
    setpgid(pid, pid);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (finished_in(results, retrained) <= before && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the group go
  }
};

}  // namespace unas::testing
