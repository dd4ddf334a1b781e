#pragma once
// Runs body(i) for i in [0, count) on up to `threads` threads, in contiguous chunks. Results
// must go to distinct places per i; the outcome is the same for any thread count.
#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

#include <sched.h>

namespace unas {

template <typename Body>
void parallel_for(std::size_t count, int threads, const Body& body) {
  const std::size_t workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1, std::max<std::size_t>(count / 16, 1));
  if (workers == 1) {
    for (std::size_t i = 0; i < count; ++i) body(i);
    return;
  }
  std::vector<std::jthread> pool;
  const std::size_t chunk = (count + workers - 1) / workers;
  for (std::size_t w = 1; w < workers; ++w)
    pool.emplace_back([&, w] {
      for (std::size_t i = w * chunk; i < std::min(count, (w + 1) * chunk); ++i) body(i);
    });
  for (std::size_t i = 0; i < std::min(count, chunk); ++i) body(i);
}

// CPUs this process may run on (its affinity mask: what Slurm or mpirun gave it).
inline int available_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace unas
