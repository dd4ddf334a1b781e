#include "run/master.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "arch/json_io.h"
#include "arch/morphism_json.h"
#include "common/duration_text.h"
#include "common/version.h"
#include "common/wall_clock.h"
#include "run/record_objectives.h"
#include "run/signals.h"
#include "run/stopping_thresholds.h"
#include "store/results_file.h"

namespace unas::run {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string iso_now() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

search::Candidate candidate_of(const store::ProposalRecord& p) {
  search::Candidate c;
  c.id = p.id;
  c.parent_id = p.parent_id;
  c.architecture = arch::parse_architectures(p.architecture).front();
  if (!std::isnan(p.sparsity)) c.sparsity = p.sparsity;
  c.seed = p.seed;
  c.redraws = p.redraws;
  if (!p.morphism.empty()) c.morphism = arch::morphism_from_json_text(p.morphism);
  return c;
}

std::string morphism_text(const search::Candidate& c) { return c.morphism ? arch::to_json_text(*c.morphism) : ""; }

search::Evaluated evaluated_of(const search::Candidate& c, const store::CandidateRecord& r) {
  return search::Evaluated{c, r.ok(), objectives_of(r), r.stopped()};
}

// What rank 0 keeps of a candidate while it trains.
struct InFlight {
  search::Candidate candidate;
  double issued_at = 0.0;
  std::vector<StopRung> stop_rungs;
};

std::string stop_reason(const EvaluationResult& r, const std::vector<StopRung>& rungs) {
  for (const StopRung& s : rungs)
    if (s.epoch == r.stopped_at_epoch)
      return fmt::format("validation error {:.4f} after epoch {}, above the threshold {:.4f} there", r.val_error,
                         s.epoch, s.max_error);
  return fmt::format("after epoch {}", r.stopped_at_epoch);
}

store::CandidateRecord record_of(const InFlight& f, const EvaluationResult& r) {
  const search::Candidate& c = f.candidate;
  store::CandidateRecord rec;
  rec.id = c.id;
  rec.parent_id = c.parent_id;
  rec.rank = r.rank;
  rec.outcome = r.ok ? "ok" : r.stopped_at_epoch > 0 ? "stopped" : "failed";
  rec.failure = r.stopped_at_epoch > 0 ? stop_reason(r, f.stop_rungs) : r.failure;
  rec.architecture = arch::to_json_text(c.architecture);
  rec.sparsity = c.sparsity.value_or(store::kNoSparsity);
  rec.seed = c.seed;
  rec.val_error = r.val_error;
  rec.test_error = r.test_error;
  rec.pmu = r.dense.pmu;
  rec.model_size = r.dense.model_size;
  rec.macs = r.dense.macs;
  rec.pmu_pruned = r.pruned.pmu;
  rec.model_size_pruned = r.pruned.model_size;
  rec.macs_pruned = r.pruned.macs;
  rec.val_curve = nlohmann::json(r.val_curve).dump();
  rec.pruned_layers = r.pruned_layers;
  rec.train_seconds = r.train_seconds;
  rec.issued_at = f.issued_at;
  rec.finished_at = unix_now();
  rec.morphism = morphism_text(c);
  rec.inherited_from = r.inherited_from;
  rec.epochs_trained = r.epochs_trained;
  rec.inherited_fraction = r.inherited_fraction;
  rec.stopped_at_epoch = r.stopped_at_epoch;
  rec.started_at = r.started_at;
  rec.host = r.host;
  rec.device = r.device;
  return rec;
}

// The progress line of each finished candidate, with the share of recent ones within bounds.
class Progress {
 public:
  Progress(const ExperimentConfig& config, std::int64_t done) : config_(config), done_at_start_(done), done_(done) {}

  void finished(const store::CandidateRecord& r, const search::Evaluated& e) {
    ++done_;
    recent_.push_back(e.ok && search::within_bounds(e.objectives, config_.search.bounds));
    if (recent_.size() > 25) recent_.pop_front();
    int within = 0;
    for (bool b : recent_) within += b;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double rate = static_cast<double>(done_ - done_at_start_) / std::max(elapsed, 1e-9);
    const double eta = rate > 0 ? static_cast<double>(config_.search.rounds - done_) / rate : 0.0;
    std::string what = r.ok() ? fmt::format("error {:.4f}, PMU {} B, MS {} B, MACs {}", r.val_error, r.pmu_pruned,
                                            r.model_size_pruned, r.macs_pruned)
                              : fmt::format("{}: {}", r.outcome, r.failure);
    if (r.inherited_from >= 0)
      what += fmt::format(" (from #{}'s weights, {:.0f} % inherited, {} epochs)", r.inherited_from, 100 * r.inherited_fraction,
                          r.epochs_trained);
    if (e.candidate.redraws > 0)
      what += fmt::format(" [{} network{} over max_macs drawn again]", e.candidate.redraws, e.candidate.redraws == 1 ? "" : "s");
    spdlog::info("#{} (rank {}) {} | {}/{} of the last {} within bounds | {}/{} done, {:.2f}/min, ETA {}", r.id, r.rank,
                 what, within, recent_.size(), recent_.size(), done_, config_.search.rounds, rate * 60, duration_text(eta));
  }

 private:
  const ExperimentConfig& config_;
  std::int64_t done_at_start_, done_;
  std::deque<bool> recent_;
  Clock::time_point started_ = Clock::now();
};

store::ResultsFile open_results(const ExperimentConfig& config, const MasterOptions& options, store::ResultsContents& past) {
  if (fs::exists(config.results)) {
    past = store::ResultsFile::read(config.results);
    if (past.info.config_digest != config.digest)
      throw ConfigError(fmt::format("{}: written by a different experiment (its settings differ from {}); "
                                    "give this run another name or [run] results", config.results.string(), config.name));
    return store::ResultsFile::reopen(config.results);
  }
  if (options.must_resume) throw ConfigError(fmt::format("--resume: {} does not exist", config.results.string()));
  store::RunInfo info{config.name, config.resolved_toml, config.digest, kVersion, host_name(), iso_now(),
                      config.seed,  config.search.rounds, options.mpi_size};
  return store::ResultsFile::create(config.results, info);
}

// A child starts from its parent's stored weights when the experiment inherits them; random
// candidates, and children of a parent without stored weights (too large to keep, or from
// before inheritance), train from scratch on the full schedule.
EvaluationRequest request_for(const search::Candidate& c, const ExperimentConfig& config,
                              const std::map<std::int64_t, search::Candidate>& proposed, const store::ResultsFile& file) {
  EvaluationRequest request{c, std::nullopt, {}};
  if (!config.inherit_weights || c.parent_id < 0 || !c.morphism) return request;
  std::optional<Weights> weights = file.weights(c.parent_id);
  if (!weights) return request;
  request.inheritance = train::Inheritance{proposed.at(c.parent_id).architecture, std::move(*weights), *c.morphism};
  return request;
}

}  // namespace

int run_master(const ExperimentConfig& config, WorkerPool& pool, const MasterOptions& options) {
  store::ResultsContents past;
  store::ResultsFile file = open_results(config, options, past);
  // The sessions of the file: the allocation's time that the utilisation timeline counts.
  const auto session = [&](const char* event) {
    file.append(store::SessionRecord{unix_now(), event, options.mpi_size, host_name()});
  };
  session("start");
  const auto algorithm = search::make_search_algorithm(config.search);

  // Replay: finished candidates in completion order, then those still in flight, which go out
  // again with the early-stopping thresholds they were first sent.
  StoppingThresholds thresholds(config.early_stopping);
  std::map<std::int64_t, search::Candidate> proposed;
  std::map<std::int64_t, std::vector<StopRung>> sent_rungs;
  for (const auto& p : past.proposals) {
    proposed.emplace(p.id, candidate_of(p));
    sent_rungs.emplace(p.id, stop_rungs_from_text(p.stop_rungs));
  }
  std::set<std::int64_t> finished;
  for (const auto& r : past.candidates) {
    algorithm->observe(evaluated_of(proposed.at(r.id), r));
    thresholds.observe(r);
    finished.insert(r.id);
  }
  std::deque<search::Candidate> reissue;
  for (const auto& [id, c] : proposed)
    if (!finished.contains(id)) {
      algorithm->resume_pending(c);
      reissue.push_back(c);
    }
  std::int64_t next_id = proposed.empty() ? 0 : proposed.rbegin()->first + 1;
  auto done = static_cast<std::int64_t>(finished.size());
  if (!past.candidates.empty() || !past.proposals.empty())
    spdlog::info("resuming {}: {} of {} candidates finished, {} in flight issued again", config.results.string(), done,
                 config.search.rounds, reissue.size());
  else
    spdlog::info("{}: {} rounds on {} trainer{}, results in {}", config.name, config.search.rounds, pool.slots(),
                 pool.slots() == 1 ? "" : "s", config.results.string());

  Progress progress(config, done);
  std::map<std::int64_t, InFlight> in_flight;
  const auto collect = [&](const EvaluationResult& r) {
    const InFlight f = in_flight.at(r.id);
    in_flight.erase(r.id);
    const store::CandidateRecord record = record_of(f, r);
    if (!r.weights.empty()) file.append_weights(r.id, r.weights);  // before the row: see results_file.h
    file.append(record);
    const search::Evaluated e = evaluated_of(f.candidate, record);
    algorithm->observe(e);
    thresholds.observe(record);
    progress.finished(record, e);
    ++done;
  };

  while (done < config.search.rounds && !stop_requested()) {
    while (pool.busy() < pool.slots() && (!reissue.empty() || next_id < config.search.rounds)) {
      EvaluationRequest request;
      if (!reissue.empty()) {
        request = request_for(reissue.front(), config, proposed, file);
        request.stop_rungs = sent_rungs.at(request.candidate.id);
        reissue.pop_front();
      } else {
        const search::Candidate c = algorithm->propose(next_id++);
        proposed.emplace(c.id, c);
        request = request_for(c, config, proposed, file);
        request.stop_rungs = thresholds.thresholds(request.inheritance.has_value());
        file.append(store::ProposalRecord{c.id, c.parent_id, arch::to_json_text(c.architecture),
                                          c.sparsity.value_or(store::kNoSparsity), c.seed, unix_now(), morphism_text(c),
                                          c.redraws, stop_rungs_text(request.stop_rungs)});
      }
      in_flight.emplace(request.candidate.id, InFlight{request.candidate, unix_now(), request.stop_rungs});
      pool.submit(request);
    }
    if (auto r = pool.wait(std::chrono::milliseconds(200))) collect(*r);
  }

  if (stop_requested()) {
    spdlog::warn("signal {}: no new candidates; waiting up to {} s for the {} running", stop_signal(), config.grace_seconds,
                 in_flight.size());
    const auto deadline = Clock::now() + std::chrono::duration<double>(config.grace_seconds);
    while (!in_flight.empty() && Clock::now() < deadline)
      if (auto r = pool.wait(std::chrono::milliseconds(200))) collect(*r);
    pool.shutdown();
    spdlog::warn("stopped with {}/{} candidates recorded; {} will be issued again on resume (exit {})", done,
                 config.search.rounds, in_flight.size(), kExitRequeue);
    session("stop");
    return kExitRequeue;
  }
  pool.shutdown();
  session("stop");
  int redraws = 0;
  for (const auto& [id, c] : proposed) redraws += c.redraws;
  spdlog::info("done: {} candidates in {}{}", done, config.results.string(),
               redraws ? fmt::format("; {} networks over max_macs were drawn again, costing no round", redraws) : "");
  return 0;
}

}  // namespace unas::run
