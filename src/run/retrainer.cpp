#include "run/retrainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "arch/json_io.h"
#include "common/duration_text.h"
#include "common/rng.h"
#include "common/wall_clock.h"
#include "run/record_objectives.h"
#include "run/signals.h"
#include "search/pareto.h"
#include "store/results_file.h"

namespace unas::run {

namespace {

using Clock = std::chrono::steady_clock;

// How far a candidate is from meeting every bound: its largest objective/bound ratio.
double bound_ratio(const search::Objectives& o, const search::Bounds& b) {
  const auto values = o.values();
  const auto limits = b.values();
  double worst = 0.0;
  for (std::size_t i = 0; i < 4; ++i)
    if (limits[i]) worst = std::max(worst, values[i] / *limits[i]);
  return worst;
}

struct Job {
  std::int64_t id = 0;
  int seed_index = 0;
  search::Candidate candidate;  // its id is the job's index: results come back under it
};

std::vector<Job> jobs_to_do(const store::ResultsContents& contents, const std::vector<std::int64_t>& ids, int seeds) {
  std::map<std::int64_t, const store::CandidateRecord*> by_id;
  for (const auto& r : contents.candidates) by_id[r.id] = &r;
  std::set<std::pair<std::int64_t, int>> done;
  for (const auto& r : contents.retrained) done.emplace(r.id, r.seed_index);
  std::vector<Job> jobs;
  for (std::int64_t id : ids)
    for (int k = 0; k < seeds; ++k) {
      if (done.contains({id, k})) continue;
      const store::CandidateRecord& r = *by_id.at(id);
      Job job{id, k, {}};
      job.candidate.id = static_cast<std::int64_t>(jobs.size());
      job.candidate.architecture = arch::parse_architectures(r.architecture).front();
      if (!std::isnan(r.sparsity)) job.candidate.sparsity = r.sparsity;
      job.candidate.seed = retrain_seed(r.seed, k);
      jobs.push_back(std::move(job));
    }
  return jobs;
}

void check_models(const store::ResultsContents& contents, const std::vector<std::int64_t>& ids,
                  const std::string& file) {
  std::map<std::int64_t, bool> ok;
  for (const auto& r : contents.candidates) ok[r.id] = r.ok();
  for (std::int64_t id : ids) {
    const auto it = ok.find(id);
    if (it == ok.end()) throw ConfigError(fmt::format("{}: --ids: no finished candidate {}", file, id));
    if (!it->second)
      throw ConfigError(fmt::format("{}: --ids: candidate {} failed; there is no model to retrain", file, id));
  }
}

store::RetrainedRecord record_of(const Job& job, const EvaluationResult& r) {
  store::RetrainedRecord rec;
  rec.id = job.id;
  rec.seed_index = job.seed_index;
  rec.seed = job.candidate.seed;
  rec.rank = r.rank;
  rec.outcome = r.ok ? "ok" : "failed";
  rec.failure = r.failure;
  rec.val_error = r.val_error;
  rec.test_error = r.test_error;
  rec.pmu = r.pruned.pmu;
  rec.model_size = r.pruned.model_size;
  rec.macs = r.pruned.macs;
  rec.train_seconds = r.train_seconds;
  rec.finished_at = unix_now();
  return rec;
}

// Per model: the search-time error beside the retrained ones, mean ± sample std over ok seeds.
void log_summary(const store::ResultsFile& file, const std::vector<std::int64_t>& ids) {
  const store::ResultsContents c = store::ResultsFile::read(file.path());
  std::map<std::int64_t, const store::CandidateRecord*> by_id;
  for (const auto& r : c.candidates) by_id[r.id] = &r;
  for (std::int64_t id : ids) {
    std::vector<double> val, test;
    for (const auto& r : c.retrained)
      if (r.id == id && r.ok()) {
        val.push_back(r.val_error);
        test.push_back(r.test_error);
      }
    const auto mean_sd = [](const std::vector<double>& x) {
      double mean = 0.0, ss = 0.0;
      for (double v : x) mean += v / static_cast<double>(x.size());
      for (double v : x) ss += (v - mean) * (v - mean);
      return fmt::format("{:.4f} ± {:.4f}", mean,
                         x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0);
    };
    const store::CandidateRecord& r = *by_id.at(id);
    spdlog::info("#{}: search val error {:.4f}{} | retrained ({} seeds) val error {}, test error {}", id, r.val_error,
                 r.inherited_from >= 0 ? fmt::format(" (inherited, {} epochs)", r.epochs_trained) : "", val.size(),
                 val.empty() ? "-" : mean_sd(val), test.empty() ? "-" : mean_sd(test));
  }
}

}  // namespace

std::uint64_t retrain_seed(std::uint64_t candidate_seed, int seed_index) {
  return derive_seed(candidate_seed, static_cast<std::uint64_t>(seed_index), "retrain");
}

std::vector<std::int64_t> models_to_retrain(const std::vector<store::CandidateRecord>& candidates,
                                            const search::Bounds& bounds, int top) {
  std::vector<const store::CandidateRecord*> within, ok;
  std::vector<search::Objectives> points;
  for (const auto& r : candidates) {
    if (!r.ok()) continue;
    ok.push_back(&r);
    if (!search::within_bounds(objectives_of(r), bounds)) continue;
    within.push_back(&r);
    points.push_back(objectives_of(r));
  }
  std::vector<const store::CandidateRecord*> chosen;
  for (std::size_t k : search::pareto_front(points, bounds)) chosen.push_back(within[k]);
  if (chosen.empty() && !ok.empty()) {
    std::sort(ok.begin(), ok.end(), [&](const auto* a, const auto* b) {
      return bound_ratio(objectives_of(*a), bounds) < bound_ratio(objectives_of(*b), bounds);
    });
    chosen.assign(ok.begin(), ok.begin() + std::min<std::ptrdiff_t>(top, static_cast<std::ptrdiff_t>(ok.size())));
    // and the most accurate, which the paper's tables show when nothing meets the bounds
    const auto* best = *std::min_element(ok.begin(), ok.end(),
                                         [](const auto* a, const auto* b) { return a->val_error < b->val_error; });
    if (std::find(chosen.begin(), chosen.end(), best) == chosen.end()) chosen.push_back(best);
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto* a, const auto* b) { return a->val_error < b->val_error; });
  std::vector<std::int64_t> ids;
  for (const auto* r : chosen) ids.push_back(r->id);
  return ids;
}

RetrainPlan plan_retrain(const store::ResultsContents& contents, const search::Bounds& bounds,
                         const RetrainOptions& options) {
  RetrainPlan plan;
  plan.ids = options.ids.empty() ? models_to_retrain(contents.candidates, bounds, options.top) : options.ids;
  plan.runs = plan.ids.size() * static_cast<std::size_t>(options.seeds);
  std::set<std::pair<std::int64_t, int>> done;
  for (const auto& r : contents.retrained) done.emplace(r.id, r.seed_index);
  for (std::int64_t id : plan.ids)
    for (int k = 0; k < options.seeds; ++k) plan.left += !done.contains({id, k});
  return plan;
}

int run_retrain(const ExperimentConfig& config, WorkerPool& pool, const RetrainOptions& options) {
  const store::ResultsContents past = store::ResultsFile::read(config.results);
  store::ResultsFile file = store::ResultsFile::reopen(config.results);
  const std::vector<std::int64_t> ids = plan_retrain(past, config.search.bounds, options).ids;
  if (options.ids.empty()) {
    std::size_t within = 0;
    for (const auto& r : past.candidates)
      within += r.ok() && search::within_bounds(objectives_of(r), config.search.bounds);
    spdlog::info("{}: {}", config.results.string(),
                 within > 0 ? fmt::format("the within-bounds front has {} models", ids.size())
                            : fmt::format("no model is within the bounds; the {} nearest to them and the most accurate",
                                          ids.size()));
  }
  check_models(past, ids, config.results.string());
  if (static_cast<std::int64_t>(past.candidates.size()) < past.info.rounds)
    spdlog::warn("the search has finished {} of {} rounds: retraining what it has found so far", past.candidates.size(),
                 past.info.rounds);

  const std::vector<Job> jobs = jobs_to_do(past, ids, options.seeds);
  const std::size_t total = ids.size() * static_cast<std::size_t>(options.seeds), before = total - jobs.size();
  spdlog::info("retraining {} model{} x {} seeds from scratch, {} epochs each: {} to do{} on {} trainer{}", ids.size(),
               ids.size() == 1 ? "" : "s", options.seeds, config.training.epochs, jobs.size(),
               before ? fmt::format(" ({} recorded before)", before) : "", pool.slots(), pool.slots() == 1 ? "" : "s");

  std::size_t next = 0, done = 0, running = 0;
  const auto started = Clock::now();
  const auto collect = [&](const EvaluationResult& r) {
    const Job& job = jobs.at(static_cast<std::size_t>(r.id));
    --running;
    ++done;
    file.append(record_of(job, r));
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const double eta = elapsed / static_cast<double>(done) * static_cast<double>(jobs.size() - done);
    spdlog::info(
        "#{} seed {} (rank {}): {} | {}/{} done, ETA {}", job.id, job.seed_index, r.rank,
        r.ok ? fmt::format("val error {:.4f}, test error {:.4f}, {:.0f} s", r.val_error, r.test_error, r.train_seconds)
             : "failed: " + r.failure,
        before + done, total, duration_text(eta));
  };
  while (done < jobs.size() && !stop_requested()) {
    while (pool.busy() < pool.slots() && next < jobs.size()) {
      pool.submit(EvaluationRequest{jobs[next++].candidate, std::nullopt, {}});
      ++running;
    }
    if (auto r = pool.wait(std::chrono::milliseconds(200))) collect(*r);
  }
  if (stop_requested()) {
    spdlog::warn("signal {}: waiting up to {} s for the {} running", stop_signal(), config.grace_seconds, running);
    const auto deadline = Clock::now() + std::chrono::duration<double>(config.grace_seconds);
    while (running > 0 && Clock::now() < deadline)
      if (auto r = pool.wait(std::chrono::milliseconds(200))) collect(*r);
    pool.shutdown();
    spdlog::warn("stopped with {}/{} retrained; run again to finish (exit {})", before + done, total, kExitRequeue);
    return kExitRequeue;
  }
  pool.shutdown();
  log_summary(file, ids);
  return 0;
}

}  // namespace unas::run
