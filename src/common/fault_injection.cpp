#include "common/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "common/rng.h"

namespace unas {

namespace {

// Touched, so that the memory is really taken, not just reserved.
[[noreturn]] void allocate_until_refused() {
  std::vector<std::unique_ptr<char[]>> taken;
  try {
    for (;;) {
      constexpr std::size_t kBlock = 64u << 20;
      taken.emplace_back(new char[kBlock]);
      std::memset(taken.back().get(), 1, kBlock);
    }
  } catch (const std::bad_alloc&) {
    _exit(kExitOutOfMemory);
  }
}

[[noreturn]] void commit(Fault fault) {
  switch (fault) {
    case Fault::segfault:
      raise(SIGSEGV);
      break;
    case Fault::abort:
      std::abort();
    case Fault::hang:
      for (;;) raise(SIGSTOP);  // only SIGKILL ends it now (a SIGCONT stops it again)
    case Fault::out_of_memory:
      allocate_until_refused();
    case Fault::none:
      break;
  }
  _exit(1);  // not reached for a real fault
}

std::thread fault_thread;

}  // namespace

PlannedFault plan_fault(const InjectedFaults& rates, std::uint64_t candidate_seed) {
  Rng rng(derive_seed(candidate_seed, 0, "fault"));
  const double u = rng.uniform01();
  PlannedFault p;
  p.after_seconds = rng.uniform01();
  if (u < rates.crash_rate)
    p.fault = rng.bernoulli(0.5) ? Fault::segfault : Fault::abort;
  else if (u < rates.crash_rate + rates.hang_rate)
    p.fault = Fault::hang;
  else if (u < rates.crash_rate + rates.hang_rate + rates.oom_rate)
    p.fault = Fault::out_of_memory;
  return p;
}

void start_fault(const PlannedFault& planned) {
  if (planned.fault == Fault::none) return;
  fault_thread = std::thread([planned] {
    std::this_thread::sleep_for(std::chrono::duration<double>(planned.after_seconds));
    commit(planned.fault);
  });
}

void await_fault() {
  if (fault_thread.joinable()) fault_thread.join();
}

}  // namespace unas
