// PMU + model size + MACs for random architectures: total and worst-case time.
//   build/bin/resource_model_bench [--count 1000] [--seed 1] [--input 48x48x3] [--classes 62]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "arch/json_io.h"
#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "resources/resource_figures.h"

int main(int argc, char** argv) {
  int count = 1000;
  std::uint64_t seed = 1;
  unas::resources::TensorShape input{48, 48, 3};
  int classes = 62;
  for (int k = 1; k + 1 < argc; k += 2) {
    if (!std::strcmp(argv[k], "--count")) count = std::atoi(argv[k + 1]);
    else if (!std::strcmp(argv[k], "--seed")) seed = std::strtoull(argv[k + 1], nullptr, 10);
    else if (!std::strcmp(argv[k], "--classes")) classes = std::atoi(argv[k + 1]);
    else if (!std::strcmp(argv[k], "--input")) std::sscanf(argv[k + 1], "%dx%dx%d", &input.height, &input.width, &input.channels);
  }

  // Architectures are drawn before the clock starts: only the resource model is timed.
  std::vector<unas::arch::Architecture> archs;
  for (int k = 0; k < count; ++k) {
    unas::Rng rng(unas::derive_seed(seed, static_cast<std::uint64_t>(k), "arch random"));
    archs.push_back(unas::arch::random_architecture(rng));
  }
  using Clock = std::chrono::steady_clock;
  std::vector<double> ms;
  std::int64_t checksum = 0;
  const auto start = Clock::now();
  for (const auto& a : archs) {
    const auto t0 = Clock::now();
    const auto g = unas::resources::build_layer_graph(a, input, classes);
    const auto f = unas::resources::measure_resources(g);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    checksum += f.peak_memory_bytes + f.model_size_bytes + f.macs;
  }
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const auto worst = std::max_element(ms.begin(), ms.end()) - ms.begin();
  std::printf("architectures: %d (%dx%dx%d, %d classes, seed %llu)\n", count, input.height, input.width, input.channels,
              classes, static_cast<unsigned long long>(seed));
  std::printf("total: %.3f s   mean: %.3f ms   median: %.3f ms   p99: %.3f ms   worst: %.3f ms (architecture %ld)\n",
              total, total * 1e3 / count, sorted[sorted.size() / 2], sorted[sorted.size() * 99 / 100], sorted.back(),
              static_cast<long>(worst));
  std::printf("checksum: %lld\n", static_cast<long long>(checksum));
  if (const char* dump = std::getenv("BENCH_DUMP_WORST")) {
    std::FILE* f = std::fopen(dump, "w");
    std::fprintf(f, "%s\n", unas::arch::to_json_text(archs[static_cast<std::size_t>(worst)]).c_str());
    std::fclose(f);
  }
}
