// Weight inheritance, measured (bench/inheritance_bench.sh runs both):
//
//   inheritance_bench fractions EXPERIMENT [--scale S] [--pairs 200] [--seed 1]
//     Per morphism kind, over random parent/child pairs of that kind (parents within the
//     experiment's resource bounds, MACs capped by max_macs), the fraction of the child's
//     parameters inherited, and how its tensors were inherited. No training. CSV on stdout.
//
//   inheritance_bench quality EXPERIMENT [--scale S] [--pairs 8] [--seeds 3] [--shard K/N]
//     Real training: each parent (random, within the bounds) trains the full schedule; one
//     random child of it trains from scratch on the full schedule and, inheriting the parent's
//     weights, on a quarter and on half of it, each with every seed. One CSV row per training
//     run on stdout as it finishes: errors and process CPU-seconds.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "arch/morphism.h"
#include "arch/morphism_json.h"
#include "arch/random_architecture.h"
#include "common/rng.h"
#include "resources/build_layer_graph.h"
#include "resources/resource_figures.h"
#include "run/candidate_evaluator.h"
#include "run/experiment_config.h"
#include "train/device.h"
#include "train/model_weights.h"
#include "train/schedule_scale.h"
#include "train/weight_inheritance.h"

namespace {

using namespace unas;

resources::ResourceFigures figures_of(const arch::Architecture& a, const run::ExperimentConfig& c) {
  return resources::measure_resources(resources::build_layer_graph(a, c.search.input, c.search.num_classes), {});
}

std::int64_t macs_cap(const run::ExperimentConfig& c) {
  std::int64_t cap = c.search.bounds.macs.value_or(INT64_MAX);
  if (c.max_macs > 0) cap = std::min(cap, c.max_macs);
  return cap;
}

// A random architecture a search could keep: within the bounds on PMU and model size, MACs in
// [min_macs, the bound capped by max_macs].
arch::Architecture random_parent(const run::ExperimentConfig& c, Rng& rng, std::int64_t min_macs) {
  for (;;) {
    arch::Architecture a = arch::random_architecture(rng);
    const auto f = figures_of(a, c);
    const auto& b = c.search.bounds;
    if (f.macs < min_macs || f.macs > macs_cap(c)) continue;
    if (b.model_size_bytes && f.model_size_bytes > *b.model_size_bytes) continue;
    if (b.peak_memory_bytes && f.peak_memory_bytes > *b.peak_memory_bytes) continue;
    return a;
  }
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

int fractions(const run::ExperimentConfig& c, int pairs, std::uint64_t seed) {
  Rng rng(seed);
  std::map<std::string, std::vector<double>> by_kind;
  std::map<std::string, std::map<std::string, std::int64_t>> how;  // kind -> classification -> tensors
  std::map<std::string, int> needed;
  for (int k = 0; k <= static_cast<int>(arch::MorphismKind::kChangeUnits); ++k)
    needed[std::string(arch::to_string(static_cast<arch::MorphismKind>(k)))] = pairs;
  int parents = 0;
  while (!needed.empty()) {
    const arch::Architecture parent = random_parent(c, rng, 0);
    ++parents;
    const auto graph = resources::build_layer_graph(parent, c.search.input, c.search.num_classes);
    torch::manual_seed(rng.next_u64());
    const train::CandidateModel parent_model(graph, 0.0);
    const Weights weights = train::export_weights(*parent_model);
    // One child per kind this parent offers, drawn among that kind's morphisms.
    std::map<std::string, std::vector<arch::Morphism>> offered;
    for (const arch::Morphism& m : arch::list_morphisms(parent))
      offered[std::string(arch::to_string(m.kind))].push_back(m);
    for (auto& [kind, menu] : offered) {
      if (!needed.contains(kind)) continue;
      const arch::Morphism m = menu[rng.index(menu.size())];
      const arch::Architecture child = arch::apply_morphism(parent, m, rng);
      if (figures_of(child, c).macs > macs_cap(c)) continue;  // not trained at this scale
      train::CandidateModel child_model(resources::build_layer_graph(child, c.search.input, c.search.num_classes), 0.0);
      const train::InheritanceReport r =
          train::inherit_weights(*child_model, child, train::Inheritance{parent, weights, m});
      by_kind[kind].push_back(r.inherited_fraction());
      for (const auto& t : r.tensors)
        if (t.parameter) how[kind][std::string(train::to_string(t.how))] += 1;
      if (--needed[kind] == 0) needed.erase(kind);
    }
  }
  std::printf(
      "morphism,pairs,mean,p10,median,p90,min,share_at_least_0.9,tensors_copied,cropped,padded,reshaped,resampled,"
      "folded,identity,fresh\n");
  std::vector<double> all;
  for (const auto& [kind, f] : by_kind) {
    double mean = 0.0;
    int high = 0;
    for (double x : f) {
      mean += x / static_cast<double>(f.size());
      high += x >= 0.9;
      all.push_back(x);
    }
    auto& h = how[kind];
    std::printf("%s,%zu,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld\n", kind.c_str(), f.size(), mean,
                quantile(f, 0.1), quantile(f, 0.5), quantile(f, 0.9), quantile(f, 0.0),
                high / static_cast<double>(f.size()), h["copied"], h["cropped"], h["padded"], h["reshaped"],
                h["resampled"], h["folded"], h["identity"], h["fresh"]);
  }
  std::fprintf(stderr, "%zu pairs from %d random parents within the bounds; median fraction over all %.3f\n",
               all.size(), parents, quantile(all, 0.5));
  return 0;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

int quality(const run::ExperimentConfig& c, int pairs, int seeds, int shard, int shards, std::uint64_t seed) {
  // One evaluator per schedule a child may train: the full one, and the inherited ones.
  const int epochs = c.training.epochs;
  const std::vector<std::pair<std::string, int>> inherited = {
      {"inherit_quarter", static_cast<int>(train::scaled_epoch_count(epochs, 0.25))},
      {"inherit_half", static_cast<int>(train::scaled_epoch_count(epochs, 0.5))}};
  std::vector<run::ExperimentConfig> configs;
  for (const auto& [name, n] : inherited) {
    configs.push_back(c);
    configs.back().inherited_training = train::schedule_in_epochs(c.training, n);
  }
  run::CandidateEvaluator full(c);
  std::vector<std::unique_ptr<run::CandidateEvaluator>> inheriting;
  for (const auto& config : configs) inheriting.push_back(std::make_unique<run::CandidateEvaluator>(config));

  std::printf(
      "pair,parent_macs,child_macs,morphism,variant,epochs,seed,val_error,test_error,cpu_seconds,inherited_fraction,"
      "parent_val_error\n");
  std::fflush(stdout);
  for (int p = 0; p < pairs; ++p) {
    Rng rng(derive_seed(seed, static_cast<std::uint64_t>(p), "pair"));
    const arch::Architecture parent = random_parent(c, rng, 50'000);
    arch::Child child;
    do child = arch::random_child(parent, rng);
    while (figures_of(child.architecture, c).macs > macs_cap(c));
    if (p % shards != shard) continue;  // drawn anyway: every shard sees the same pairs

    search::Candidate pc;
    pc.id = p;
    pc.architecture = parent;
    pc.seed = derive_seed(seed, static_cast<std::uint64_t>(p), "parent");
    const run::EvaluationResult parent_result = full.evaluate(run::EvaluationRequest{pc, std::nullopt, {}}, 0);
    if (!parent_result.ok || parent_result.weights.empty()) {
      std::fprintf(stderr, "pair %d: the parent failed: %s\n", p, parent_result.failure.c_str());
      continue;
    }
    const auto row = [&](const char* variant, int n, int s, const run::EvaluationResult& r, double cpu) {
      std::printf("%d,%ld,%ld,\"%s\",%s,%d,%d,%.4f,%.4f,%.1f,%.4f,%.4f\n", p, parent_result.dense.macs, r.dense.macs,
                  arch::describe(child.morphism).c_str(), variant, n, s, r.ok ? r.val_error : 1.0,
                  r.ok ? r.test_error : 1.0, cpu, r.inherited_fraction, parent_result.val_error);
      std::fflush(stdout);
    };
    for (int s = 0; s < seeds; ++s) {
      search::Candidate cc;
      cc.id = p;
      cc.parent_id = p;
      cc.architecture = child.architecture;
      cc.morphism = child.morphism;
      cc.seed = derive_seed(seed, static_cast<std::uint64_t>(p * 1000 + s), "child");
      double before = cpu_seconds();
      const run::EvaluationResult scratch = full.evaluate(run::EvaluationRequest{cc, std::nullopt, {}}, 0);
      row("scratch", epochs, s, scratch, cpu_seconds() - before);
      for (std::size_t v = 0; v < inherited.size(); ++v) {
        before = cpu_seconds();
        const run::EvaluationResult r = inheriting[v]->evaluate(
            run::EvaluationRequest{cc, train::Inheritance{parent, parent_result.weights, child.morphism}, {}}, 0);
        row(inherited[v].first.c_str(), inherited[v].second, s, r, cpu_seconds() - before);
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Weight inheritance: fractions inherited per morphism, and children trained with and without it"};
  app.require_subcommand(1);
  std::string experiment, scale, shard_text = "0/1";
  int pairs = 200, seeds = 3;
  std::uint64_t seed = 1;
  for (CLI::App* cmd :
       {app.add_subcommand("fractions", "Fraction of parameters inherited, per morphism kind (no training)"),
        app.add_subcommand("quality", "Children trained from scratch and inheriting (real training)")}) {
    cmd->add_option("experiment", experiment, "Experiment TOML")->required();
    cmd->add_option("--scale", scale, "Scale overlay (e.g. local)");
    cmd->add_option("--pairs", pairs, "Parent/child pairs (fractions: per morphism kind)");
    cmd->add_option("--seed", seed, "Seed of the random parents");
  }
  app.get_subcommand("quality")->add_option("--seeds", seeds, "Training seeds per child and variant");
  app.get_subcommand("quality")->add_option("--shard", shard_text, "K/N: this process trains pairs p with p mod N = K");
  CLI11_PARSE(app, argc, argv);
  try {
    const run::ExperimentConfig c = run::load_experiment(experiment, {}, scale);
    train::tune_allocator_for_training();
    if (app.got_subcommand("fractions")) return fractions(c, pairs, seed);
    int shard = 0, shards = 1;
    if (std::sscanf(shard_text.c_str(), "%d/%d", &shard, &shards) != 2 || shards < 1 || shard < 0 || shard >= shards) {
      std::fprintf(stderr, "--shard: expected K/N with 0 <= K < N\n");
      return 2;
    }
    return quality(c, pairs, seeds, shard, shards, seed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inheritance_bench: %s\n", e.what());
    return 1;
  }
}
