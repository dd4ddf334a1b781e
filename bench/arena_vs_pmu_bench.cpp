// Arena size of a static memory plan against the PMU (its lower bound) over random architectures:
// the planner of resources/arena_plan.h, and TFLite Micro's greedy-by-size planner alone.
//   build/bin/arena_vs_pmu_bench [--count 2000] [--seed 1] [--input 28x28x1] [--classes 10]
//                                [--include-input 0|1] [--csv FILE]
// Exits 1 if check_plan() rejects any plan.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "arch/json_io.h"
#include "arch/random_architecture.h"
#include "resources/arena_plan.h"
#include "resources/build_layer_graph.h"
#include "resources/peak_memory.h"

namespace {

using namespace unas::resources;

// How one planner did against the PMU over all architectures.
struct Tally {
  int equal = 0;
  int invalid = 0;  // plans check_plan() rejects: should stay 0
  double ratio_sum = 0;
  double worst_ratio = 1.0;
  int worst_id = -1;  // -1 while no plan exceeds the PMU
  std::int64_t worst_arena = 0, worst_pmu = 0;
  double ms_sum = 0, worst_ms = 0;

  void add(int id, std::int64_t arena, std::int64_t pmu, bool valid, double ms) {
    equal += arena == pmu;
    invalid += !valid;
    const double ratio = static_cast<double>(arena) / static_cast<double>(pmu);
    ratio_sum += ratio;
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      worst_id = id;
      worst_arena = arena;
      worst_pmu = pmu;
    }
    ms_sum += ms;
    worst_ms = std::max(worst_ms, ms);
  }

  void print(const char* label, int n) const {
    char worst[96] = "none above the PMU";
    if (worst_id >= 0)
      std::snprintf(worst, sizeof worst, "architecture %d, %lld vs %lld B", worst_id, static_cast<long long>(worst_arena),
                    static_cast<long long>(worst_pmu));
    std::printf("%-16s arena == PMU: %d / %d (%.2f %%)   mean arena/PMU: %.5f   worst: %.4f (%s)   invalid plans: %d"
                "   plan time mean %.3f ms, worst %.3f ms\n",
                label, equal, n, 100.0 * equal / n, ratio_sum / n, worst_ratio, worst, invalid, ms_sum / n, worst_ms);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int count = 2000;
  std::uint64_t seed = 1;
  TensorShape input{28, 28, 1};
  int classes = 10;
  bool include_input = false;
  const char* csv = nullptr;
  for (int k = 1; k + 1 < argc; k += 2) {
    if (!std::strcmp(argv[k], "--count")) count = std::atoi(argv[k + 1]);
    else if (!std::strcmp(argv[k], "--seed")) seed = std::strtoull(argv[k + 1], nullptr, 10);
    else if (!std::strcmp(argv[k], "--classes")) classes = std::atoi(argv[k + 1]);
    else if (!std::strcmp(argv[k], "--input")) std::sscanf(argv[k + 1], "%dx%dx%d", &input.height, &input.width, &input.channels);
    else if (!std::strcmp(argv[k], "--include-input")) include_input = std::atoi(argv[k + 1]) != 0;
    else if (!std::strcmp(argv[k], "--csv")) csv = argv[k + 1];
  }

  using Clock = std::chrono::steady_clock;
  const auto timed = [](auto&& f) {
    const auto t0 = Clock::now();
    auto result = f();
    return std::make_pair(std::move(result), std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  };
  Tally planner, greedy;
  std::vector<unas::arch::Architecture> archs;
  int skipped = 0;
  ArenaOptions options;
  options.include_input = include_input;
  ArenaOptions greedy_only = options;
  greedy_only.greedy_by_size_only = true;
  PeakMemoryOptions pmu_options;
  pmu_options.include_input = include_input;
  for (int k = 0; k < count; ++k) {
    unas::Rng rng(unas::derive_seed(seed, static_cast<std::uint64_t>(k), "arch random"));
    archs.push_back(unas::arch::random_architecture(rng));
    const LayerGraph g = build_layer_graph(archs.back(), input, classes);
    Schedule s;
    try {
      s = optimal_schedule(g, pmu_options);
    } catch (const PeakMemoryError&) {
      ++skipped;  // the exact PMU search gave up: no lower bound to compare with
      continue;
    }
    const auto [plan, ms] = timed([&] { return plan_arena(g, s.order, options); });
    planner.add(k, plan.arena_bytes, s.peak_bytes, check_plan(g, plan, options).empty(), ms);
    const auto [plain, plain_ms] = timed([&] { return plan_arena(g, s.order, greedy_only); });
    greedy.add(k, plain.arena_bytes, s.peak_bytes, check_plan(g, plain, options).empty(), plain_ms);
  }
  const int n = count - skipped;
  std::printf("architectures: %d (%dx%dx%d, %d classes, seed %llu, input %s the arena), PMU search gave up on %d; "
              "plans for the optimal_schedule() order\n",
              count, input.height, input.width, input.channels, classes, static_cast<unsigned long long>(seed),
              include_input ? "in" : "not in", skipped);
  planner.print("planner:", n);
  greedy.print("greedy-by-size:", n);
  if (planner.worst_id >= 0)
    std::printf("planner's worst architecture: %s\n", unas::arch::to_json_text(archs[static_cast<std::size_t>(planner.worst_id)]).c_str());

  if (csv) {
    std::FILE* f = std::fopen(csv, "a");
    if (!f) {
      std::perror(csv);
      return 1;
    }
    if (std::ftell(f) == 0)
      std::fprintf(f, "input,classes,include_input,count,seed,planner_equal,planner_mean_ratio,planner_worst_ratio,planner_worst_id,"
                      "greedy_equal,greedy_mean_ratio,greedy_worst_ratio,greedy_worst_id,planner_ms_mean,planner_ms_worst\n");
    std::fprintf(f, "%dx%dx%d,%d,%d,%d,%llu,%d,%.6f,%.6f,%d,%d,%.6f,%.6f,%d,%.4f,%.4f\n", input.height, input.width,
                 input.channels, classes, include_input ? 1 : 0, n, static_cast<unsigned long long>(seed), planner.equal, planner.ratio_sum / n,
                 planner.worst_ratio, planner.worst_id, greedy.equal, greedy.ratio_sum / n, greedy.worst_ratio,
                 greedy.worst_id, planner.ms_sum / n, planner.worst_ms);
    std::fclose(f);
  }
  return planner.invalid + greedy.invalid > 0 ? 1 : 0;
}
