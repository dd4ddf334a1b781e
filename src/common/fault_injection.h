#pragma once
// Faults a user can switch on to try crash isolation on their own cluster, and tests use:
// [simulate] crash_rate, hang_rate and oom_rate make the process that trains a candidate really
// crash (SIGSEGV or abort), hang (stopped, as a deadlocked kernel would leave it) or allocate
// until [training] memory_limit refuses. Which candidate faults, how and when follows from its
// seed alone, so a resumed run meets the same faults and a test knows which to expect.
#include <cstdint>
#include <string>

namespace unas {

struct InjectedFaults {
  double crash_rate = 0.0, hang_rate = 0.0, oom_rate = 0.0;
  bool any() const { return crash_rate + hang_rate + oom_rate > 0.0; }
};

enum class Fault { none, segfault, abort, hang, out_of_memory };

struct PlannedFault {
  Fault fault = Fault::none;
  double after_seconds = 0.0;  // into the candidate's training, within its first second
};

PlannedFault plan_fault(const InjectedFaults& rates, std::uint64_t candidate_seed);

// Commits the fault on a thread of its own after its delay, while the candidate trains. Call
// once per process; `await_fault` blocks until it has struck (for a candidate that finished
// first: a planned fault always strikes). Neither returns for a fault other than none.
void start_fault(const PlannedFault& planned);
void await_fault();

// The exit status of a process that ran out of memory under its limit (and caught it).
inline constexpr int kExitOutOfMemory = 10;

}  // namespace unas
