#include "cli/inspect_command.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include "cli/errors.h"
#include "run/record_objectives.h"
#include "search/pareto.h"
#include "store/results_file.h"
#include "store/utilisation.h"

namespace unas::cli {

namespace {

std::string bound_text(const toml::table& bounds, const char* key, const char* unit) {
  const auto v = bounds[key].value<double>();
  return v ? fmt::format("{} <= {}{}", key, *v, unit) : fmt::format("{} unbounded", key);
}

// `unas inspect FILE --complete`, for scripts: exit 0 when every round has finished, else say how
// far the run got and exit 1.
int check_complete(const std::string& path, const store::ResultsContents& c) {
  if (static_cast<std::int64_t>(c.candidates.size()) >= c.info.rounds) return 0;
  std::cerr << fmt::format("{}: {} of {} rounds finished\n", path, c.candidates.size(), c.info.rounds);
  return kExitFailure;
}

// How many children started from their parent's weights, and how long candidates trained.
void print_inheritance(const store::ResultsContents& c) {
  std::size_t ok = 0, children = 0, inherited = 0;
  double fraction = 0.0;
  std::map<int, int> epochs;
  for (const auto& r : c.candidates) {
    if (!r.ok()) continue;
    ++ok;
    children += r.parent_id >= 0;
    if (r.inherited_from >= 0) {
      ++inherited;
      fraction += r.inherited_fraction;
    }
    ++epochs[r.epochs_trained];
  }
  std::cout << fmt::format("weights: stored for {} candidates; ", c.with_weights.size());
  if (inherited == 0) {
    std::cout << "no candidate inherited weights\n";
    return;
  }
  std::string histogram;
  for (const auto& [e, n] : epochs) histogram += fmt::format("{}{} epochs: {}", histogram.empty() ? "" : ", ", e, n);
  std::cout << fmt::format(
      "{} of {} ok children started from their parent's weights (mean {:.0f} % of parameters); {}\n", inherited,
      children, 100 * fraction / static_cast<double>(inherited), histogram);
}

struct Retrained {
  int seeds = 0, failed = 0;
  double mean = 0.0, sd = 0.0;  // test error over the ok seeds
};

// Why candidates failed, the commonest reasons first: a crash, hang or OOM stands out from a
// diverging loss.
void print_failures(const store::ResultsContents& c) {
  std::map<std::string, int> count;
  for (const auto& r : c.candidates)
    if (r.outcome == "failed") ++count[r.failure];
  if (count.empty()) return;
  std::vector<std::pair<int, std::string>> reasons;
  for (const auto& [reason, n] : count) reasons.emplace_back(-n, reason);
  std::sort(reasons.begin(), reasons.end());
  constexpr std::size_t kShown = 5;
  std::string text;
  for (std::size_t i = 0; i < std::min(kShown, reasons.size()); ++i)
    text += fmt::format("{}{} × {}", i ? "; " : "", -reasons[i].first, reasons[i].second);
  if (reasons.size() > kShown) text += fmt::format("; {} other reasons", reasons.size() - kShown);
  std::cout << "failures: " << text << "\n";
}

std::map<std::int64_t, Retrained> retrained_by_model(const store::ResultsContents& c) {
  std::map<std::int64_t, std::vector<double>> errors;
  std::map<std::int64_t, Retrained> out;
  for (const auto& r : c.retrained) {
    ++out[r.id].seeds;
    if (r.ok())
      errors[r.id].push_back(r.test_error);
    else
      ++out[r.id].failed;
  }
  for (auto& [id, e] : errors) {
    Retrained& m = out[id];
    for (double x : e) m.mean += x / static_cast<double>(e.size());
    for (double x : e) m.sd += (x - m.mean) * (x - m.mean);
    m.sd = e.size() > 1 ? std::sqrt(m.sd / static_cast<double>(e.size() - 1)) : 0.0;
  }
  return out;
}

// `unas inspect FILE --utilisation`: where the allocation's time went (store/utilisation.h).
void print_utilisation(const store::ResultsContents& c) {
  const store::Utilisation u = store::utilisation_of(c);
  std::cout << fmt::format("sessions: {} ({:.2f} h between them); up to {} trainer{}\n", u.sessions.size(),
                           u.gap_seconds / 3600, u.trainers, u.trainers == 1 ? "" : "s");
  std::cout << fmt::format("allocated: {:.2f} trainer-hours; busy {:.2f} h: utilisation {:.1f} %\n",
                           u.allocated_seconds / 3600, u.busy_seconds / 3600, 100 * u.utilisation());
  std::cout << fmt::format("devices: {}; {} candidates, {:.2f} per device-hour\n", u.devices, u.candidates,
                           u.candidates_per_device_hour());
  std::cout << fmt::format("{:>6} {:>20} {:>8} {:>11} {:>8} {:>12}\n", "rank", "host", "device", "candidates", "busy h",
                           "utilisation");
  for (const auto& [rank, use] : u.ranks)
    std::cout << fmt::format("{:>6} {:>20} {:>8} {:>11} {:>8.2f} {:>10.1f} %\n", rank, use.host.empty() ? "-" : use.host,
                             use.device.empty() ? "-" : use.device, use.candidates, use.busy_seconds / 3600,
                             u.held_seconds > 0 ? 100 * use.busy_seconds / u.held_seconds : 0.0);
}

int inspect(const std::string& path, bool complete, bool utilisation) {
  store::ResultsContents c;
  try {
    c = store::ResultsFile::read(path);
  } catch (const store::StoreError& e) {
    throw UsageError(e.what());
  }
  if (complete) return check_complete(path, c);
  if (utilisation) {
    std::cout << path << ": experiment " << c.info.experiment_name << "\n";
    print_utilisation(c);
    return 0;
  }
  const auto& i = c.info;
  std::size_t ok = 0, stopped = 0;
  for (const auto& r : c.candidates) {
    ok += r.ok();
    stopped += r.stopped();
  }
  std::cout << fmt::format("{}: experiment {} (unas {}, started {} on {}, {} ranks, seed {})\n", path,
                           i.experiment_name, i.unas_version, i.started_at, i.hostname, i.mpi_size, i.seed);
  int redraws = 0;
  for (const auto& p : c.proposals) redraws += p.redraws;
  std::cout << fmt::format("progress: {}/{} finished ({} ok, {} stopped early, {} failed); {} proposed and not finished{}\n",
                           c.candidates.size(), i.rounds, ok, stopped, c.candidates.size() - ok - stopped,
                           c.proposals.size() - c.candidates.size(),
                           redraws ? fmt::format("; {} networks over max_macs drawn again", redraws) : "");
  const toml::table experiment = toml::parse(i.experiment_toml);
  const toml::table bounds = experiment["bounds"].as_table() ? *experiment["bounds"].as_table() : toml::table{};
  std::cout << fmt::format("bounds: {}, {}, {}, {}\n", bound_text(bounds, "error", ""),
                           bound_text(bounds, "peak_memory", " B"), bound_text(bounds, "model_size", " B"),
                           bound_text(bounds, "macs", ""));
  print_failures(c);
  print_inheritance(c);
  const auto retrained = retrained_by_model(c);
  if (!retrained.empty())
    std::cout << fmt::format(
        "retrained: {} models, {} runs ({} failed); 'retrained' is their test error, mean ± sd\n", retrained.size(),
        c.retrained.size(),
        std::count_if(c.retrained.begin(), c.retrained.end(), [](const auto& r) { return !r.ok(); }));

  search::Bounds b;
  b.error = bounds["error"].value<double>();
  b.peak_memory_bytes = bounds["peak_memory"].value<std::int64_t>();
  b.model_size_bytes = bounds["model_size"].value<std::int64_t>();
  b.macs = bounds["macs"].value<std::int64_t>();
  std::vector<const store::CandidateRecord*> rows;
  std::vector<search::Objectives> points;
  for (const auto& r : c.candidates)
    if (r.ok()) {
      rows.push_back(&r);
      points.push_back(run::objectives_of(r));
    }
  auto front = search::pareto_front(points, b);
  std::sort(front.begin(), front.end(),
            [&](std::size_t x, std::size_t y) { return points[x].error < points[y].error; });
  std::cout << fmt::format("Pareto front over the bounded objectives: {} of {} ok candidates\n", front.size(),
                           points.size());
  std::cout << fmt::format("{:>7} {:>8} {:>8} {:>10} {:>10} {:>12} {:>8} {:>7} {:>17}\n", "id", "error", "test",
                           "PMU B", "MS B", "MACs", "sparsity", "bounds", "retrained");
  for (std::size_t k : front) {
    const auto& r = *rows[k];
    const auto it = retrained.find(r.id);
    const std::string again = it == retrained.end() || it->second.seeds == it->second.failed
                                  ? "-"
                                  : fmt::format("{:.4f} ± {:.4f}", it->second.mean, it->second.sd);
    std::cout << fmt::format("{:>7} {:>8.4f} {:>8.4f} {:>10} {:>10} {:>12} {:>8} {:>7} {:>17}\n", r.id, r.val_error,
                             r.test_error, r.pmu_pruned, r.model_size_pruned, r.macs_pruned,
                             std::isnan(r.sparsity) ? "-" : fmt::format("{:.3f}", r.sparsity),
                             search::within_bounds(points[k], b) ? "within" : "over", again);
  }
  return 0;
}

}  // namespace

void register_inspect_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto complete = std::make_shared<bool>(false);
  auto utilisation = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Progress, outcomes, weight inheritance, retraining and the Pareto front of a results file (also while it "
      "is being written)");
  cmd->add_option("results", *path, "results/NAME.h5")->required();
  cmd->add_flag("--complete", *complete,
                "Print nothing and exit 0 when every round has finished, else exit 1 (for scripts)");
  cmd->add_flag("--utilisation", *utilisation,
                "Where the allocation's time went: sessions, trainer utilisation (busy / allocated), candidates per "
                "device-hour, per rank (analysis/make_report.py draws it as a Gantt chart)");
  cmd->fallthrough();
  cmd->callback([path, complete, utilisation, &exit_code] { exit_code = inspect(*path, *complete, *utilisation); });
}

}  // namespace unas::cli
