// `unas run` as users start it, under mpirun: end to end, killed and resumed, with failures,
// and with bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/rng.h"
#include "common/wall_clock.h"
#include "store/results_file.h"
#include "support/mpi_run_test.h"

namespace unas::run {
namespace {

namespace fs = std::filesystem;

class RunIntegration : public unas::testing::MpiRunTest {};

using unas::testing::kSimulated;

constexpr const char* kFashion = R"(
[dataset]
kind = "fashion_mnist"
path = "/usr/share/datasets/fashion-mnist"
max_train = 500
max_validation = 100
max_test = 100
[search]
rounds = 6
population = 4
sample = 2
initial_population = 3
[bounds]
error = 0.3
peak_memory = 20000
model_size = 30000
macs = 2000000
[training]
epochs = 1
batch_size = 50
learning_rate = [[0, 0.02]]
)";

TEST_F(RunIntegration, ThreeRanksTrainAndRecordEveryRound) {
  const fs::path file = experiment("tiny", kFashion);
  std::string log;
  ASSERT_EQ(run(command(3, file), &log), 0) << log;
  const store::ResultsContents c = store::ResultsFile::read(dir_ / "tiny.h5");
  ASSERT_EQ(c.candidates.size(), 6U);
  std::set<std::int64_t> ids;
  for (const auto& r : c.candidates) {
    ids.insert(r.id);
    EXPECT_TRUE(r.rank == 1 || r.rank == 2) << r.rank;
    EXPECT_EQ(r.outcome, "ok") << r.failure;
    EXPECT_GE(r.val_error, 0.0);
    EXPECT_LE(r.val_error, 1.0);
    EXPECT_GT(r.pmu, 0);
    EXPECT_GT(r.model_size, 0);
    EXPECT_GT(r.macs, 0);
    EXPECT_EQ(r.pmu_pruned, r.pmu);  // no pruning
    EXPECT_EQ(r.val_curve.front(), '[');
    EXPECT_GE(r.finished_at, r.issued_at);
  }
  EXPECT_EQ(ids, (std::set<std::int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(c.info.mpi_size, 3);
  EXPECT_NE(c.info.experiment_toml.find("fashion_mnist"), std::string::npos);
  EXPECT_NE(log.find("#5"), std::string::npos);
  // h5py reads it with no help from unas.
  const std::string py = "/usr/bin/python3 -c \"import h5py, json; f = h5py.File('" + (dir_ / "tiny.h5").string() +
                         "', 'r'); c = f['candidates']; assert len(c) == 6; json.loads(c[0]['architecture']); "
                         "assert f.attrs['experiment_name'] == 'tiny'\"";
  EXPECT_EQ(run(py, &log), 0) << log;
  // A finished run started again has nothing left to do.
  EXPECT_EQ(run(command(1, file)), 0);
  EXPECT_EQ(store::ResultsFile::read(dir_ / "tiny.h5").candidates.size(), 6U);
}

TEST_F(RunIntegration, SigkillAtRandomMomentsThenResumeLosesAndRepeatsNothing) {
  Rng rng(17);
  for (int ranks : {3, 1}) {
    const std::string name = "killed" + std::to_string(ranks);
    const fs::path file = experiment(name, kSimulated);
    std::map<std::int64_t, store::CandidateRecord> seen;
    for (int kill = 0; kill < 3; ++kill) {
      // Kill somewhere in the run, once it has started recording.
      run_and_kill(command(ranks, file), static_cast<int>(rng.uniform_int(0, 2000)), dir_ / (name + ".h5"));
      if (!fs::exists(dir_ / (name + ".h5"))) continue;
      for (const auto& r : store::ResultsFile::read(dir_ / (name + ".h5")).candidates) seen.emplace(r.id, r);
    }
    ASSERT_GT(seen.size(), 0U) << "no candidate finished before the kills";
    std::string log;
    ASSERT_EQ(run(command(ranks, file), &log), 0) << log;
    const store::ResultsContents c = store::ResultsFile::read(dir_ / (name + ".h5"));
    ASSERT_EQ(c.candidates.size(), 240U) << ranks << " ranks";
    std::set<std::int64_t> ids;
    for (const auto& r : c.candidates) {
      ASSERT_TRUE(ids.insert(r.id).second) << "duplicate id " << r.id;
      if (const auto it = seen.find(r.id); it != seen.end()) {
        EXPECT_EQ(r.architecture, it->second.architecture);
        EXPECT_EQ(r.val_error, it->second.val_error);
        EXPECT_EQ(r.finished_at, it->second.finished_at);
        EXPECT_EQ(r.outcome, it->second.outcome);
      }
    }
    EXPECT_EQ(*ids.rbegin(), 239);
    for (const auto& [id, r] : seen) EXPECT_TRUE(ids.contains(id)) << "lost candidate " << id;
    // Every start that wrote the file has a session row; only the last run ended in order.
    ASSERT_GE(c.sessions.size(), 2U);
    EXPECT_EQ(c.sessions.front().event, "start");
    EXPECT_EQ(c.sessions.back().event, "stop");
    EXPECT_EQ(std::count_if(c.sessions.begin(), c.sessions.end(), [](const auto& s) { return s.event == "stop"; }), 1);
  }
}

// Four trainer ranks on a node with two (simulated) GPUs: two per GPU, round-robin; each result
// says where and from when it trained; the run's sessions and utilisation come out of the file.
// Three trainers on two GPUs do not match trainers_per_gpu = 2, and the node's log says so.
TEST_F(RunIntegration, TrainersArePlacedRoundRobinOnTheNodesGpus) {
  const fs::path file = experiment("placed", std::string(kSimulated) + "gpus = 2\n");
  std::string log;
  ASSERT_EQ(run(command(5, file, "--set search.rounds=40 --set run.trainers_per_gpu=2"), &log), 0) << log;
  EXPECT_NE(log.find("4 trainers round-robin on 2 GPUs"), std::string::npos) << log;
  EXPECT_EQ(log.find("trainer ranks on 2 GPUs"), std::string::npos) << log;
  const store::ResultsContents c = store::ResultsFile::read(dir_ / "placed.h5");
  ASSERT_EQ(c.candidates.size(), 40U);
  const std::string host = host_name();
  for (const auto& r : c.candidates) {
    EXPECT_EQ(r.device, "cuda:" + std::to_string((r.rank - 1) % 2)) << "rank " << r.rank;
    EXPECT_EQ(r.host, host);
    EXPECT_GE(r.started_at, r.issued_at);
    EXPECT_LE(r.started_at, r.finished_at);
  }
  ASSERT_EQ(c.sessions.size(), 2U);
  EXPECT_EQ(c.sessions[0].mpi_size, 5);
  const std::string inspect = std::string(UNAS_BINARY) + " inspect " + (dir_ / "placed.h5").string() + " --utilisation";
  ASSERT_EQ(run(inspect, &log), 0) << log;
  EXPECT_NE(log.find("sessions: 1 (0.00 h between them); up to 4 trainers"), std::string::npos) << log;
  EXPECT_NE(log.find("devices: 2; 40 candidates"), std::string::npos) << log;

  const fs::path three = experiment("three", std::string(kSimulated) + "gpus = 2\n");
  ASSERT_EQ(run(command(4, three, "--set search.rounds=10 --set run.trainers_per_gpu=2"), &log), 0) << log;
  EXPECT_NE(log.find("3 trainer ranks on 2 GPUs: 1 to 2 per GPU, where [run] trainers_per_gpu = 2 plans 4"),
            std::string::npos)
      << log;
}

// Bayesian optimisation under `unas run`: proposals while others are pending, failures, and a
// resume that replays the file into the GP and re-issues the in-flight candidates.
TEST_F(RunIntegration, BayesOptProposesChildrenAndResumesAfterAKill) {
  const fs::path file = experiment("bo", kSimulated);
  const std::string bo =
      " --set search.algorithm=bayesian_optimisation --set search.rounds=60 --set search.pool=60 --set search.inherit_weights=true";
  run_and_kill(command(3, file) + bo, 500, dir_ / "bo.h5");
  const auto before = fs::exists(dir_ / "bo.h5") ? store::ResultsFile::read(dir_ / "bo.h5").candidates.size() : 0;
  std::string log;
  ASSERT_EQ(run(command(3, file) + bo, &log), 0) << log;
  const store::ResultsContents c = store::ResultsFile::read(dir_ / "bo.h5");
  ASSERT_EQ(c.candidates.size(), 60U) << "finished before the kill: " << before;
  std::set<std::int64_t> ids, parents;
  for (const auto& r : c.candidates) {
    ASSERT_TRUE(ids.insert(r.id).second) << "duplicate id " << r.id;
    if (r.id < 10) {  // initial_population in kSimulated
      EXPECT_EQ(r.parent_id, -1) << "the starting points are random";
    }
    if (r.parent_id >= 0) parents.insert(r.parent_id);
  }
  EXPECT_EQ(*ids.rbegin(), 59);
  EXPECT_GT(parents.size(), 0U) << "no proposal came from a morphed pool member";
  int inherited = 0;
  for (const auto& r : c.candidates) {
    if (parents.contains(r.id)) {
      EXPECT_TRUE(r.ok()) << "failed candidate " << r.id << " became a parent";
    }
    // BO knows each child's parent and morphism, so its children inherit like aging evolution's.
    if (r.inherited_from >= 0) {
      EXPECT_EQ(r.inherited_from, r.parent_id);
      ++inherited;
    }
  }
  EXPECT_GT(inherited, 0);
}

// Weight inheritance under MPI, killed at random moments and resumed: every successful candidate
// has its weights stored, every child of a parent with stored weights started from them and
// trained the shorter schedule, and what was recorded before a kill is unchanged after it.
TEST_F(RunIntegration, InheritedWeightsSurviveKillsAndResume) {
  const fs::path file = experiment("inherit", std::string(kSimulated) + "[training]\nepochs = 4\ninherited_epochs = 2\n");
  const std::string inherit = " --set search.inherit_weights=true --set search.rounds=120";
  const fs::path results = dir_ / "inherit.h5";
  Rng rng(23);
  std::map<std::int64_t, store::CandidateRecord> seen;
  std::map<std::int64_t, Weights> seen_weights;
  for (int kill = 0; kill < 3; ++kill) {
    run_and_kill(command(3, file) + inherit, static_cast<int>(rng.uniform_int(0, 1500)), results);
    if (!fs::exists(results)) continue;
    for (const auto& r : store::ResultsFile::read(results).candidates) {
      seen.emplace(r.id, r);
      if (auto w = store::ResultsFile::read_weights(results, r.id)) seen_weights.emplace(r.id, std::move(*w));
    }
  }
  std::string log;
  ASSERT_EQ(run(command(3, file) + inherit, &log), 0) << log;
  const store::ResultsContents c = store::ResultsFile::read(results);
  ASSERT_EQ(c.candidates.size(), 120U);
  const std::set<std::int64_t> stored(c.with_weights.begin(), c.with_weights.end());
  int inherited = 0;
  for (const auto& r : c.candidates) {
    if (!r.ok()) continue;
    if (r.model_size <= 16'000'000) {
      EXPECT_TRUE(stored.contains(r.id)) << "no weights for " << r.id;
    }
    const bool parent_has_weights = r.parent_id >= 0 && stored.contains(r.parent_id);
    if (parent_has_weights) {
      ++inherited;
      EXPECT_EQ(r.inherited_from, r.parent_id) << r.id;
      EXPECT_EQ(r.epochs_trained, 2) << r.id;
      EXPECT_GT(r.inherited_fraction, 0.0) << r.id << " " << r.morphism;
      EXPECT_LE(r.inherited_fraction, 1.0);
      EXPECT_FALSE(r.morphism.empty());
    } else {
      EXPECT_EQ(r.inherited_from, -1) << r.id;
      EXPECT_EQ(r.epochs_trained, 4) << r.id;
    }
    if (const auto it = seen.find(r.id); it != seen.end()) {
      EXPECT_EQ(r.finished_at, it->second.finished_at);
      EXPECT_EQ(r.inherited_fraction, it->second.inherited_fraction);
    }
    if (const auto it = seen_weights.find(r.id); it != seen_weights.end()) {
      EXPECT_EQ(store::ResultsFile::read_weights(results, r.id)->values, it->second.values) << r.id;
    }
  }
  EXPECT_GT(inherited, 30);
}

constexpr const char* kEarlyStopping = "[training]\nepochs = 8\ninherited_epochs = 4\n"
                                       "[search.early_stopping]\nrungs = [2, 4]\nkeep = 0.34\nmin_reports = 5\n";

// Early stopping under MPI, killed at random moments and resumed: every round is recorded once,
// stopped candidates carry their rung and never become parents, and each stop follows from the
// thresholds its proposal was sent.
TEST_F(RunIntegration, EarlyStoppingSurvivesKillsAndStopsOnlyBelowTheThresholds) {
  const fs::path file = experiment("asha", std::string(kSimulated) + kEarlyStopping);
  const std::string set = " --set search.rounds=150 --set search.inherit_weights=true";
  const fs::path results = dir_ / "asha.h5";
  Rng rng(31);
  for (int kill = 0; kill < 3; ++kill) run_and_kill(command(3, file) + set, static_cast<int>(rng.uniform_int(0, 1500)), results);
  std::string log;
  ASSERT_EQ(run(command(3, file) + set, &log), 0) << log;
  const store::ResultsContents c = store::ResultsFile::read(results);
  ASSERT_EQ(c.candidates.size(), 150U);
  std::map<std::int64_t, std::string> rungs_sent;
  std::set<std::int64_t> parents;
  for (const auto& p : c.proposals) {
    rungs_sent[p.id] = p.stop_rungs;
    parents.insert(p.parent_id);
  }
  std::set<std::int64_t> ids;
  int stopped = 0, with_thresholds = 0;
  for (const auto& r : c.candidates) {
    ASSERT_TRUE(ids.insert(r.id).second) << "duplicate " << r.id;
    const auto rungs = nlohmann::json::parse(rungs_sent.at(r.id));
    with_thresholds += !rungs.empty();
    const auto curve = nlohmann::json::parse(r.val_curve).get<std::vector<double>>();
    int expected_stop = 0;
    for (const auto& rung : rungs)
      if (expected_stop == 0 && curve.size() >= rung[0].get<std::size_t>() &&
          curve[rung[0].get<std::size_t>() - 1] > rung[1].get<double>())
        expected_stop = rung[0].get<int>();
    if (r.outcome == "failed") continue;
    EXPECT_EQ(r.stopped_at_epoch, expected_stop) << r.id << " " << rungs_sent.at(r.id) << " " << r.val_curve;
    if (r.stopped()) {
      ++stopped;
      EXPECT_EQ(static_cast<int>(curve.size()), r.stopped_at_epoch);
      EXPECT_EQ(r.epochs_trained, r.stopped_at_epoch);
      EXPECT_EQ(r.val_error, curve.back());
      EXPECT_FALSE(parents.contains(r.id)) << "stopped candidate " << r.id << " became a parent";
      EXPECT_NE(r.failure.find("after epoch"), std::string::npos) << r.failure;
    } else {
      EXPECT_EQ(r.epochs_trained, r.inherited_from >= 0 ? 4 : 8) << r.id;
    }
  }
  EXPECT_GT(with_thresholds, 80);
  EXPECT_GT(stopped, 30);
}

// Resume replays early stopping exactly: with one process (a deterministic order of results), a
// run killed several times makes the same decisions, with the same thresholds, as one that was not.
TEST_F(RunIntegration, ResumedEarlyStoppingDecidesAsAnUninterruptedRun) {
  const std::string body = std::string(kSimulated) + kEarlyStopping;
  const std::string set = " --set search.rounds=80 --set search.inherit_weights=true --set simulate.failure_rate=0";
  ASSERT_EQ(run(command(1, experiment("straight", body)) + set), 0);
  const fs::path killed = experiment("killed", body);
  Rng rng(5);
  for (int kill = 0; kill < 4; ++kill)
    run_and_kill(command(1, killed) + set, static_cast<int>(rng.uniform_int(0, 800)), dir_ / "killed.h5");
  std::string log;
  ASSERT_EQ(run(command(1, killed) + set, &log), 0) << log;
  const store::ResultsContents a = store::ResultsFile::read(dir_ / "straight.h5"), b = store::ResultsFile::read(dir_ / "killed.h5");
  ASSERT_EQ(a.candidates.size(), 80U);
  ASSERT_EQ(b.candidates.size(), 80U);
  int stopped = 0;
  for (std::size_t k = 0; k < 80; ++k) {
    ASSERT_EQ(a.proposals[k].architecture, b.proposals[k].architecture) << k;
    EXPECT_EQ(a.proposals[k].stop_rungs, b.proposals[k].stop_rungs) << k;
    EXPECT_EQ(a.candidates[k].id, b.candidates[k].id) << k;
    EXPECT_EQ(a.candidates[k].outcome, b.candidates[k].outcome) << k;
    EXPECT_EQ(a.candidates[k].val_curve, b.candidates[k].val_curve) << k;
    stopped += a.candidates[k].stopped();
  }
  EXPECT_GT(stopped, 10);
}

// `unas retrain` under MPI, killed and resumed: each chosen model ends with exactly K rows.
TEST_F(RunIntegration, RetrainRecordsEachModelAndSeedOnceAcrossKills) {
  const fs::path file = experiment("retrain", std::string(kSimulated) + "\n");
  ASSERT_EQ(run(command(3, file, "--set search.rounds=40")), 0);
  const fs::path results = dir_ / "retrain.h5";
  // Retraining sleeps the experiment's 0.02 s on average: slow enough to be killed midway.
  const std::string retrain = "mpirun -np 3 --bind-to none " + std::string(UNAS_BINARY) + " retrain " + results.string() +
                              " --seeds 40 --top 2";
  Rng rng(4);
  for (int kill = 0; kill < 2; ++kill) run_and_kill(retrain, static_cast<int>(rng.uniform_int(0, 300)), results, true);
  const auto before = store::ResultsFile::read(results).retrained.size();
  std::string log;
  ASSERT_EQ(run(retrain, &log), 0) << log;
  const store::ResultsContents c = store::ResultsFile::read(results);
  std::map<std::int64_t, std::set<int>> seeds;
  for (const auto& r : c.retrained) ASSERT_TRUE(seeds[r.id].insert(r.seed_index).second) << r.id << " seed " << r.seed_index;
  ASSERT_FALSE(seeds.empty()) << log;
  for (const auto& [id, s] : seeds) EXPECT_EQ(s.size(), 40U) << "model " << id;
  EXPECT_EQ(c.retrained.size(), 40 * seeds.size());
  EXPECT_LT(before, c.retrained.size()) << "the kills came too late to test a resume";
  EXPECT_NE(log.find("recorded before"), std::string::npos) << log;
  // Nothing left to do: a second run appends nothing.
  ASSERT_EQ(run(retrain), 0);
  EXPECT_EQ(store::ResultsFile::read(results).retrained.size(), c.retrained.size());
}

TEST_F(RunIntegration, FailuresAreRecordedAndNeverBecomeParents) {
  const fs::path simulated = experiment("failing", std::string(kSimulated) + "\n");
  ASSERT_EQ(run(command(3, simulated, "--set simulate.failure_rate=0.3 --set search.rounds=40")), 0);
  const store::ResultsContents c = store::ResultsFile::read(dir_ / "failing.h5");
  ASSERT_EQ(c.candidates.size(), 40U);
  std::set<std::int64_t> failed;
  for (const auto& r : c.candidates)
    if (!r.ok()) {
      EXPECT_EQ(r.failure, "simulated trainer failure");  // thrown by the trainer, caught per candidate
      failed.insert(r.id);
    }
  EXPECT_GE(failed.size(), 4U);
  for (const auto& p : c.proposals) EXPECT_FALSE(failed.contains(p.parent_id)) << p.id << " has a failed parent";

  // Real training that diverges: every candidate fails with its reason, and the run completes.
  const fs::path diverging = experiment("diverging", kFashion);
  std::string log;
  ASSERT_EQ(run(command(2, diverging, "--set training.learning_rate=[[0,1e12]] --set search.rounds=3"), &log), 0) << log;
  for (const auto& r : store::ResultsFile::read(dir_ / "diverging.h5").candidates) {
    EXPECT_EQ(r.outcome, "failed");
    EXPECT_NE(r.failure.find("loss became"), std::string::npos) << r.failure;
  }
}

// A proposal over max_macs costs no round: the search draws again, and says how often.
TEST_F(RunIntegration, NoRoundIsSpentOnANetworkOverMaxMacs) {
  const fs::path file = experiment("capped", kSimulated);
  std::string log;
  ASSERT_EQ(run(command(3, file, "--set training.max_macs=1000000 --set search.rounds=40"), &log), 0) << log;
  const store::ResultsContents c = store::ResultsFile::read(dir_ / "capped.h5");
  ASSERT_EQ(c.candidates.size(), 40U);
  for (const auto& r : c.candidates) {
    EXPECT_LE(r.macs, 1'000'000) << r.id;
    EXPECT_EQ(r.failure.find("not trained"), std::string::npos);
  }
  int redraws = 0;
  for (const auto& p : c.proposals) redraws += p.redraws;
  EXPECT_GE(redraws, 5);  // random architectures of this size have up to 1 G MACs
  EXPECT_NE(log.find(std::to_string(redraws) + " networks over max_macs were drawn again"), std::string::npos) << log;
  // The trainer still refuses one it is sent (a proposal recorded by an older unas).
  EXPECT_EQ(run(command(1, experiment("smaller", kSimulated), "--set training.max_macs=1000 --set search.rounds=1 --set search.initial_population=1"), &log), 0) << log;
  const auto small = store::ResultsFile::read(dir_ / "smaller.h5").candidates.at(0);
  EXPECT_EQ(small.failure, "not trained: " + std::to_string(small.macs) + " MACs, over [training] max_macs = 1000");
}

TEST_F(RunIntegration, BadInputIsOneLineAndExitCodeTwo) {
  const fs::path file = experiment("bad", std::string(kSimulated) + "\n[searh]\nrounds = 3\n");
  const std::string message = "unas: error: " + file.string() + ":20: searh: unknown key\n";
  for (int ranks : {1, 2}) {
    std::string log;
    EXPECT_EQ(run(command(ranks, file), &log), 2) << log;
    // Said once, by rank 0, first; under MPI, mpirun adds its own note about the exit code.
    EXPECT_EQ(log.substr(0, message.size()), message) << log;
    EXPECT_EQ(log.find("unas: error", 1), std::string::npos) << log;
  }
  std::string log;
  const fs::path no_data = experiment("nodata", kFashion);
  EXPECT_EQ(run(command(1, no_data, "--set dataset.path=/nonexistent"), &log), 2);
  EXPECT_EQ(log, "unas: error: dataset: /nonexistent: neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz found\n");
  EXPECT_FALSE(fs::exists(dir_ / "nodata.h5"));  // nothing was started
  EXPECT_EQ(run(std::string(UNAS_BINARY) + " check " + file.string(), &log), 2);
  EXPECT_EQ(run(std::string(UNAS_BINARY) + " run " + (dir_ / "none.toml").string(), &log), 2);
  EXPECT_EQ(log, "unas: error: " + (dir_ / "none.toml").string() + ": no such experiment file\n");
}

}  // namespace
}  // namespace unas::run
