// Time per Bayesian-optimisation proposal with n observed points and a pool of candidates.
//   build/bin/bo_proposal_bench [--observed 50,200,800] [--pool 1000] [--proposals 5] [--seed 1]
//                               [--threads 1] [--scored 32] [--error-only] [--verbose] [--compare]
// The observed points are random networks for Chars74K (48x48x3, 62 classes, the paper's
// bounds) with a synthetic error that falls with log MACs; each proposal is then timed while the
// results of the previous ones are still pending, as with busy workers. --error-only drops the
// resource bounds, so no candidate can be ruled out by its exact resources: the GP scores the
// whole pool (the worst case). --compare also scores the whole pool exactly for every proposal
// and reports how often the screened proposal is the same, and how much worse its goal is.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "resources/build_layer_graph.h"
#include "resources/macs.h"
#include "search/aging_evolution.h"
#include "search/bayesian_optimisation.h"
#include "search/candidate_pool.h"

namespace {

using namespace unas;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds of the whole process: on a loaded machine this is what one proposal costs, where
// wall time also counts the waiting.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

search::Evaluated synthetic(const search::Candidate& c, const search::SearchSettings& s) {
  search::Objectives o = search::estimated_resources(c, s);
  const double macs = static_cast<double>(resources::macs(resources::build_layer_graph(c.architecture, s.input, s.num_classes)));
  o.error = std::clamp(0.9 - 0.12 * std::log10(std::max(macs, 1.0)) + 0.02 * std::sin(macs), 0.05, 0.95);
  return search::Evaluated{c, true, o};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> observed_counts{50, 200, 800};
  int pool = 1000, proposals = 5, threads = 1;
  std::uint64_t seed = 1;
  bool error_only = false, verbose = false, compare = false;
  int scored = 32;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    const char* v = k + 1 < argc ? argv[k + 1] : "";
    if (a == "--observed") {
      observed_counts.clear();
      std::stringstream in(v);
      for (std::string x; std::getline(in, x, ',');) observed_counts.push_back(std::stoi(x));
      ++k;
    } else if (a == "--pool") pool = std::atoi(v), ++k;
    else if (a == "--proposals") proposals = std::atoi(v), ++k;
    else if (a == "--threads") threads = std::atoi(v), ++k;
    else if (a == "--seed") seed = std::strtoull(v, nullptr, 10), ++k;
    else if (a == "--error-only") error_only = true;
    else if (a == "--verbose") verbose = true;
    else if (a == "--compare") compare = true;
    else if (a == "--scored") scored = std::atoi(v), ++k;
    else {
      std::fprintf(stderr, "bo_proposal_bench: unknown argument %s\n", argv[k]);
      return 2;
    }
  }

  search::SearchSettings s;
  s.algorithm = "bayesian_optimisation";
  s.input = {48, 48, 3};
  s.num_classes = 62;
  s.bounds = error_only ? search::Bounds{0.30, {}, {}, {}} : search::Bounds{0.30, 10000, 20000, 1000000};
  s.bayes_opt.pool = pool;
  s.bayes_opt.threads = threads;
  s.bayes_opt.scored = scored;
  s.seed = seed;
  std::printf("%8s %6s %10s %10s %10s %10s %10s %8s %8s\n", "observed", "pool", "setup s", "median s", "max s", "cpu med s",
              "cpu max s", "scored", "GP beta");
  for (int n : observed_counts) {
    s.initial_population = n;
    search::SearchSettings exhaustive_settings = s;
    exhaustive_settings.bayes_opt.scored = pool;
    search::BayesianOptimisation bo(s), exhaustive(exhaustive_settings);
    const auto setup = Clock::now();
    for (int id = 0; id < n; ++id) {
      Rng rng(derive_seed(seed, static_cast<std::uint64_t>(id), "bench"));
      const auto e = synthetic(search::random_candidate(s, id, rng), s);
      bo.observe(e);
      if (compare) exhaustive.observe(e);
    }
    const double setup_seconds = seconds_since(setup);
    std::vector<double> times, cpu;
    std::size_t scored_total = 0;
    int same = 0;
    double regret = 0;
    for (int k = 0; k < proposals; ++k) {
      const auto t0 = Clock::now();
      const double c0 = cpu_seconds();
      const search::Candidate chosen = bo.propose(n + k);
      times.push_back(seconds_since(t0));
      cpu.push_back(cpu_seconds() - c0);
      scored_total += bo.last_scored();
      if (verbose) std::printf("  proposal %d: %.3f s (cpu %.3f s), %zu scored\n", n + k, times.back(), cpu.back(), bo.last_scored());
      if (compare) {
        const search::Candidate best = exhaustive.propose(n + k);
        same += best.architecture == chosen.architecture && best.sparsity == chosen.sparsity;
        regret += bo.last_goal() - exhaustive.last_goal();
      }
    }
    std::sort(times.begin(), times.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("%8d %6d %10.2f %10.3f %10.3f %10.3f %10.3f %8.1f %8.3f\n", n, pool, setup_seconds, times[times.size() / 2],
                times.back(), cpu[cpu.size() / 2], cpu.back(), static_cast<double>(scored_total) / proposals,
                bo.hyperparameters().beta);
    if (compare)
      std::printf("         screened = exhaustive in %d of %d proposals; its goal is %.4f above on average\n", same,
                  proposals, regret / proposals);
    std::fflush(stdout);
  }
}
