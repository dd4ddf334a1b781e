// Time per Bayesian-optimisation proposal with n observed points and a pool of candidates.
//   build/bin/bo_proposal_bench [--observed 50,200,800] [--pool 1000] [--proposals 5] [--seed 1]
//                               [--threads 1] [--error-only] [--verbose]
// The observed points are random networks for Chars74K (48x48x3, 62 classes, the paper's
// bounds) with a synthetic error that falls with log MACs; each proposal is then timed while the
// results of the previous ones are still pending, as with busy workers. --error-only drops the
// resource bounds, so no candidate can be ruled out by its exact resources: the GP scores the
// whole pool (the worst case).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
  bool error_only = false, verbose = false;
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
  s.seed = seed;
  std::printf("%8s %6s %10s %10s %10s %8s %12s\n", "observed", "pool", "setup s", "median s", "max s", "scored", "GP beta");
  for (int n : observed_counts) {
    s.initial_population = n;
    search::BayesianOptimisation bo(s);
    const auto setup = Clock::now();
    for (int id = 0; id < n; ++id) {
      Rng rng(derive_seed(seed, static_cast<std::uint64_t>(id), "bench"));
      bo.observe(synthetic(search::random_candidate(s, id, rng), s));
    }
    const double setup_seconds = seconds_since(setup);
    std::vector<double> times;
    std::size_t scored = 0;
    for (int k = 0; k < proposals; ++k) {
      const auto t0 = Clock::now();
      bo.propose(n + k);
      times.push_back(seconds_since(t0));
      scored += bo.last_scored();
      if (verbose) std::printf("  proposal %d: %.3f s, %zu scored\n", n + k, times.back(), bo.last_scored());
    }
    std::sort(times.begin(), times.end());
    std::printf("%8d %6d %10.2f %10.3f %10.3f %8.1f %12.3f\n", n, pool, setup_seconds, times[times.size() / 2], times.back(),
                static_cast<double>(scored) / proposals, bo.hyperparameters().beta);
    std::fflush(stdout);
  }
}
