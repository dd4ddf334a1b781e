// Master overhead per proposal at population 100: scalarise, sample 25, select, morph (aging
// evolution's propose) plus the child's exact PMU / model size / MACs (48x48x3, 62 classes).
//   master_overhead_bench [--proposals N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "resources/build_layer_graph.h"
#include "resources/resource_figures.h"
#include "search/aging_evolution.h"

int main(int argc, char** argv) {
  int proposals = 5000;
  for (int k = 1; k + 1 < argc; ++k)
    if (!std::strcmp(argv[k], "--proposals")) proposals = std::atoi(argv[k + 1]);
  using namespace unas;
  search::SearchSettings s;
  s.population = 100;
  s.sample = 25;
  s.initial_population = 100;
  s.rounds = 100 + proposals;
  s.bounds = search::Bounds{0.30, 10000, 20000, 1000000};
  search::AgingEvolution ae(s);
  Rng errors(1);
  const auto observe = [&](const search::Candidate& c) {
    const auto f = resources::measure_resources(resources::build_layer_graph(c.architecture, {48, 48, 3}, 62));
    ae.observe(search::Evaluated{c, true, {errors.uniform(0.1, 0.9), f.peak_memory_bytes, f.model_size_bytes, f.macs}});
  };
  for (int id = 0; id < 100; ++id) observe(ae.propose(id));  // a full population

  using Clock = std::chrono::steady_clock;
  std::vector<double> propose_us, total_us;
  for (int k = 0; k < proposals; ++k) {
    const auto t0 = Clock::now();
    const search::Candidate c = ae.propose(100 + k);
    const auto t1 = Clock::now();
    const auto f = resources::measure_resources(resources::build_layer_graph(c.architecture, {48, 48, 3}, 62));
    const auto t2 = Clock::now();
    propose_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    total_us.push_back(std::chrono::duration<double, std::micro>(t2 - t0).count());
    ae.observe(search::Evaluated{c, true, {errors.uniform(0.1, 0.9), f.peak_memory_bytes, f.model_size_bytes, f.macs}});
  }
  const auto report = [](const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    std::printf("%-42s mean %8.1f us  median %8.1f us  p99 %8.1f us  max %8.1f us\n", what, sum / v.size(), v[v.size() / 2],
                v[v.size() * 99 / 100], v.back());
  };
  std::printf("%d proposals at population 100, sample 25\n", proposals);
  report("propose (scalarise, select, morph)", propose_us);
  report("propose + resource figures of the child", total_us);
}
