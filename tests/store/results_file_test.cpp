#include "store/results_file.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "common/rng.h"
#include "support/temp_dir.h"

namespace unas::store {
namespace {

namespace fs = std::filesystem;

RunInfo info() {
  RunInfo i;
  i.experiment_name = "tiny";
  i.experiment_toml = "name = \"tiny\"\nseed = 3\n";
  i.config_digest = "abc123";
  i.unas_version = "0.1.0";
  i.hostname = "node1";
  i.started_at = "2026-11-21T10:00:00Z";
  i.seed = 3;
  i.rounds = 40;
  i.mpi_size = 3;
  return i;
}

CandidateRecord candidate(std::int64_t id) {
  CandidateRecord r;
  r.id = id;
  r.parent_id = id - 1;
  r.rank = static_cast<std::int32_t>(1 + id % 2);
  r.outcome = id % 5 == 4 ? "failed" : "ok";
  r.failure = id % 5 == 4 ? "loss became nan in epoch 1" : "";
  r.architecture = std::string(R"({"conv_blocks":[],"id":)") + std::to_string(id) + "}";
  r.sparsity = id % 2 ? 0.25 : kNoSparsity;
  r.seed = 1000 + static_cast<std::uint64_t>(id);
  r.val_error = 0.01 * static_cast<double>(id);
  r.test_error = 0.02 * static_cast<double>(id);
  r.pmu = 100 + id;
  r.model_size = 200 + id;
  r.macs = 300 + id;
  r.pmu_pruned = 50 + id;
  r.model_size_pruned = 60 + id;
  r.macs_pruned = 70 + id;
  r.val_curve = "[0.9,0.5]";
  r.pruned_layers = R"({"b0.l0.conv":{"kept":3}})";
  r.train_seconds = 1.5;
  r.issued_at = 10.0 + static_cast<double>(id);
  r.finished_at = 20.0 + static_cast<double>(id);
  r.morphism = id % 3 ? R"({"kind":"change_filters","block":0,"layer":1,"delta":3})" : "";
  r.inherited_from = id % 3 ? id - 1 : -1;
  r.epochs_trained = id % 3 ? 6 : 12;
  r.inherited_fraction = id % 3 ? 0.9 : 0.0;
  r.started_at = 12.5 + static_cast<double>(id);
  r.host = "node" + std::to_string(id % 2);
  r.device = "cuda:" + std::to_string(id % 4);
  return r;
}

// A candidate's weights: a size and values that depend on its id.
Weights weights(std::int64_t id) {
  Weights w;
  const auto n = 3 + id % 7;
  float* a = w.add("b0.l0.conv.weight", {n, 2});
  for (std::int64_t k = 0; k < 2 * n; ++k) a[k] = static_cast<float>(id) + 0.001F * static_cast<float>(k);
  w.add("classifier.bias", {1})[0] = -static_cast<float>(id);
  return w;
}

RetrainedRecord retrained(std::int64_t id, int seed_index) {
  RetrainedRecord r;
  r.id = id;
  r.seed_index = seed_index;
  r.seed = 77 + static_cast<std::uint64_t>(seed_index);
  r.rank = 2;
  r.outcome = seed_index == 2 ? "failed" : "ok";
  r.failure = seed_index == 2 ? "loss became nan in epoch 3" : "";
  r.val_error = 0.1 * static_cast<double>(seed_index);
  r.test_error = 0.2;
  r.pmu = 11;
  r.model_size = 12;
  r.macs = 13 + id;
  r.train_seconds = 4.5;
  r.finished_at = 99.0;
  return r;
}

void expect_same(const CandidateRecord& a, const CandidateRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.failure, b.failure);
  EXPECT_EQ(a.architecture, b.architecture);
  EXPECT_EQ(std::isnan(a.sparsity), std::isnan(b.sparsity));
  if (!std::isnan(a.sparsity)) {
    EXPECT_EQ(a.sparsity, b.sparsity);
  }
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.val_error, b.val_error);
  EXPECT_EQ(a.test_error, b.test_error);
  EXPECT_EQ(std::tie(a.pmu, a.model_size, a.macs, a.pmu_pruned, a.model_size_pruned, a.macs_pruned),
            std::tie(b.pmu, b.model_size, b.macs, b.pmu_pruned, b.model_size_pruned, b.macs_pruned));
  EXPECT_EQ(a.val_curve, b.val_curve);
  EXPECT_EQ(a.pruned_layers, b.pruned_layers);
  EXPECT_EQ(a.finished_at, b.finished_at);
  EXPECT_EQ(a.morphism, b.morphism);
  EXPECT_EQ(std::tie(a.inherited_from, a.epochs_trained, a.inherited_fraction),
            std::tie(b.inherited_from, b.epochs_trained, b.inherited_fraction));
  EXPECT_EQ(std::tie(a.started_at, a.host, a.device), std::tie(b.started_at, b.host, b.device));
}

void expect_same(const Weights& a, const Weights& b) {
  EXPECT_EQ(a.manifest(), b.manifest());
  EXPECT_EQ(a.values, b.values);
}

class ResultsFileTest : public unas::testing::TempDirTest {};

TEST_F(ResultsFileTest, WhatIsAppendedReadsBack) {
  const fs::path path = dir_ / "results" / "tiny.h5";
  {
    ResultsFile file = ResultsFile::create(path, info());
    for (std::int64_t id = 0; id < 10; ++id) {
      file.append(ProposalRecord{id, id - 1, "{}", 0.5, 7, 1.0 * static_cast<double>(id), R"({"kind":"flip_relu"})", 3});
      file.append(candidate(id));
    }
    file.append(SessionRecord{5.0, "start", 3, "node1"});
    file.append(SessionRecord{35.0, "stop", 3, "node1"});
  }
  const ResultsContents c = ResultsFile::read(path);
  ASSERT_EQ(c.sessions.size(), 2U);
  EXPECT_EQ(c.sessions[0].event, "start");
  EXPECT_EQ(c.sessions[1].at, 35.0);
  EXPECT_EQ(c.sessions[1].event, "stop");
  EXPECT_EQ(c.sessions[1].mpi_size, 3);
  EXPECT_EQ(c.sessions[1].host, "node1");
  EXPECT_EQ(c.info.experiment_name, "tiny");
  EXPECT_EQ(c.info.experiment_toml, info().experiment_toml);
  EXPECT_EQ(c.info.seed, 3U);
  EXPECT_EQ(c.info.rounds, 40);
  EXPECT_EQ(c.info.mpi_size, 3);
  ASSERT_EQ(c.proposals.size(), 10U);
  EXPECT_EQ(c.proposals[9].issued_at, 9.0);
  EXPECT_EQ(c.proposals[9].morphism, R"({"kind":"flip_relu"})");
  EXPECT_EQ(c.proposals[9].redraws, 3);
  ASSERT_EQ(c.candidates.size(), 10U);
  for (std::int64_t id = 0; id < 10; ++id) expect_same(c.candidates[static_cast<std::size_t>(id)], candidate(id));
  EXPECT_FALSE(fs::exists(path.string() + ".creating"));

  ResultsFile again = ResultsFile::reopen(path);  // after a clean close
  again.append(candidate(10));
  EXPECT_EQ(ResultsFile::read(path).candidates.size(), 11U);
}

TEST_F(ResultsFileTest, WeightsAndRetrainedRowsReadBack) {
  const fs::path path = dir_ / "w.h5";
  {
    ResultsFile file = ResultsFile::create(path, info());
    for (std::int64_t id = 0; id < 6; ++id) {
      file.append_weights(id, weights(id));
      file.append(candidate(id));
    }
    file.append_weights(3, weights(10));  // stored again (a candidate retrained after a resume): the last counts
    expect_same(*file.weights(3), weights(10));
    expect_same(*file.weights(5), weights(5));
    EXPECT_FALSE(file.weights(6));
    for (int k = 0; k < 3; ++k) file.append(retrained(4, k));
  }
  expect_same(*ResultsFile::read_weights(path, 2), weights(2));
  expect_same(*ResultsFile::read_weights(path, 3), weights(10));
  EXPECT_FALSE(ResultsFile::read_weights(path, 9));
  const ResultsContents c = ResultsFile::read(path);
  EXPECT_EQ(c.with_weights, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
  ASSERT_EQ(c.retrained.size(), 3U);
  EXPECT_EQ(c.retrained[2].outcome, "failed");
  EXPECT_EQ(c.retrained[2].failure, "loss became nan in epoch 3");
  EXPECT_EQ(c.retrained[1].val_error, 0.1);
  EXPECT_EQ(c.retrained[1].macs, 17);
  EXPECT_EQ(c.retrained[0].seed, 77U);
  // A reopened file finds what earlier runs stored.
  ResultsFile again = ResultsFile::reopen(path);
  expect_same(*again.weights(4), weights(4));
  // h5py reads the weights with no help: values by offset and count, tensors from the manifest.
  const std::string py = "/usr/bin/python3 -c \"import h5py, json; f = h5py.File('" + path.string() +
                         "', 'r', swmr=True); i = f['weight_index'][:]; r = i[-1]; t = json.loads(r['tensors']); "
                         "v = f['weights'][r['offset']:r['offset'] + r['count']]; "
                         "assert r['id'] == 3 and t[0] == ['b0.l0.conv.weight', [6, 2]] and v[0] == 10.0 and v[-1] == -10.0, (r, t, v); "
                         "assert f.attrs['schema_version'] == 2 and len(f['retrained']) == 3\"";
  EXPECT_EQ(std::system(py.c_str()), 0);
}

ExportRecord exported(std::int64_t id, bool ok) {
  ExportRecord e;
  e.id = id;
  e.outcome = ok ? "ok" : "failed";
  e.failure = ok ? "" : "qemu did not finish within 600 s";
  e.test_examples = 10000;
  e.float_accuracy = 0.8663;
  e.int8_accuracy = 0.8676;
  e.pmu = 23328;
  e.model_size = 25910;
  e.arena_bytes = 23328;
  e.parameter_bytes = 31478;
  e.flash_bytes = ok ? 35000 : -1;
  e.ram_bytes = ok ? 23500 : -1;
  e.stack_bytes = ok ? 172 : -1;
  e.target_match = ok ? 1 : -1;
  e.target = ok ? "mps2-an385 (Cortex-M3, qemu)" : "";
  e.directory = "/tmp/export/candidate_" + std::to_string(id);
  e.exported_at = 1.9e9;
  return e;
}

// A file from before `unas export` has no /exports: reopening adds it, and the rows read back.
TEST_F(ResultsFileTest, ExportsAreAddedToAnOlderFileAndReadBack) {
  const fs::path path = dir_ / "e.h5";
  ResultsFile::create(path, info()).append(candidate(0));
  {  // as files written before exports existed
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    ASSERT_GE(H5Ldelete(file, "exports", H5P_DEFAULT), 0);
    H5Fclose(file);
  }
  EXPECT_TRUE(ResultsFile::read(path).exports.empty());
  ResultsFile::reopen(path).append(exported(0, true));
  ResultsFile::reopen(path).append(exported(0, false));
  const ResultsContents c = ResultsFile::read(path);
  ASSERT_EQ(c.exports.size(), 2U);
  const ExportRecord& a = c.exports[0];
  const ExportRecord want = exported(0, true);
  EXPECT_EQ(std::tie(a.id, a.outcome, a.test_examples, a.float_accuracy, a.int8_accuracy, a.pmu, a.model_size),
            std::tie(want.id, want.outcome, want.test_examples, want.float_accuracy, want.int8_accuracy, want.pmu, want.model_size));
  EXPECT_EQ(std::tie(a.arena_bytes, a.parameter_bytes, a.flash_bytes, a.ram_bytes, a.stack_bytes, a.target_match),
            std::tie(want.arena_bytes, want.parameter_bytes, want.flash_bytes, want.ram_bytes, want.stack_bytes, want.target_match));
  EXPECT_EQ(std::tie(a.target, a.directory, a.exported_at), std::tie(want.target, want.directory, want.exported_at));
  EXPECT_EQ(c.exports[1].failure, "qemu did not finish within 600 s");
  EXPECT_EQ(c.exports[1].flash_bytes, -1);
  EXPECT_EQ(c.candidates.size(), 1U);  // nothing else touched
}

// A file from before the utilisation timeline: /candidates rows without started_at, host and
// device, no /sessions. Reopening adds /sessions; rows appended to it lose the fields the file has
// no room for (HDF5 converts by field name), and every row reads back with them zero.
TEST_F(ResultsFileTest, AnOlderFileWithoutTheTimelineResumesAndReadsBack) {
  const fs::path path = dir_ / "old.h5";
  ResultsFile::create(path, info());
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t table = H5Dopen2(file, "candidates", H5P_DEFAULT);
    const hid_t full = H5Dget_type(table);
    const hid_t plist = H5Dget_create_plist(table);
    H5Dclose(table);
    const hid_t older = H5Tcreate(H5T_COMPOUND, H5Tget_member_offset(full, H5Tget_member_index(full, "started_at")));
    for (int k = 0; k < H5Tget_nmembers(full); ++k) {
      char* name = H5Tget_member_name(full, static_cast<unsigned>(k));
      const std::string member = name;
      H5free_memory(name);
      if (member == "started_at" || member == "host" || member == "device") continue;
      const hid_t type = H5Tget_member_type(full, static_cast<unsigned>(k));
      H5Tinsert(older, member.c_str(), H5Tget_member_offset(full, static_cast<unsigned>(k)), type);
      H5Tclose(type);
    }
    ASSERT_GE(H5Ldelete(file, "candidates", H5P_DEFAULT), 0);
    ASSERT_GE(H5Ldelete(file, "sessions", H5P_DEFAULT), 0);
    const hsize_t none = 0, unlimited = H5S_UNLIMITED;
    const hid_t space = H5Screate_simple(1, &none, &unlimited);
    const hid_t made = H5Dcreate2(file, "candidates", older, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    ASSERT_GE(made, 0);
    H5Dclose(made);
    H5Sclose(space);
    H5Tclose(older);
    H5Tclose(full);
    H5Pclose(plist);
    H5Fclose(file);
  }
  EXPECT_TRUE(ResultsFile::read(path).sessions.empty());
  {
    ResultsFile file = ResultsFile::reopen(path);
    file.append(candidate(1));
    file.append(SessionRecord{5.0, "start", 3, "node1"});
  }
  const ResultsContents c = ResultsFile::read(path);
  ASSERT_EQ(c.candidates.size(), 1U);
  const CandidateRecord& r = c.candidates[0];
  EXPECT_EQ(r.val_error, candidate(1).val_error);
  EXPECT_EQ(r.finished_at, candidate(1).finished_at);
  EXPECT_EQ(std::tie(r.started_at, r.host, r.device), std::make_tuple(0.0, std::string(), std::string()));
  ASSERT_EQ(c.sessions.size(), 1U);
  EXPECT_EQ(c.sessions[0].event, "start");
}

TEST_F(ResultsFileTest, ClearErrorsForBadFilesAndFields) {
  const auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const StoreError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const fs::path garbage = dir_ / "garbage.h5";
  std::ofstream(garbage) << "this is not HDF5";
  EXPECT_EQ(message([&] { ResultsFile::read(garbage); }),
            garbage.string() + ": not a readable HDF5 results file (corrupt, or not written by unas)");
  EXPECT_EQ(message([&] { ResultsFile::reopen(garbage); }),
            garbage.string() + ": not a readable HDF5 results file (corrupt, or not written by unas)");
  EXPECT_EQ(message([&] { ResultsFile::read(dir_ / "none.h5"); }), (dir_ / "none.h5").string() + ": no such results file");

  const fs::path path = dir_ / "x.h5";
  ResultsFile file = ResultsFile::create(path, info());
  EXPECT_EQ(message([&] { ResultsFile::create(path, info()); }), path.string() + ": already exists");
  CandidateRecord huge = candidate(0);
  huge.architecture.assign(9000, 'x');
  EXPECT_EQ(message([&] { file.append(huge); }), "architecture: 9000 bytes, the field holds at most 8191");

  // A results file cut short (a full disk, a bad copy) is reported, not crashed on.
  for (std::int64_t id = 0; id < 40; ++id) file.append(candidate(id));
  const fs::path cut = dir_ / "cut.h5";
  fs::copy_file(path, cut);
  fs::resize_file(cut, fs::file_size(cut) / 3);
  EXPECT_NE(message([&] { ResultsFile::read(cut); }).find(cut.string() + ": "), std::string::npos);
}

// A writer process appends rows as fast as it can and reports each flushed id on a pipe; it is
// killed with SIGKILL at random moments. Every reported row must survive, identical, and the
// file must take new rows after reopening. Meanwhile the parent reads the file as it grows.
TEST_F(ResultsFileTest, SigkillAtAnyMomentLosesNoFlushedRow) {
  const fs::path path = dir_ / "killed.h5";
  ResultsFile::create(path, info());
  Rng rng(11);
  std::int64_t next = 0;
  for (int trial = 0; trial < 8; ++trial) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      ResultsFile file = ResultsFile::reopen(path);
      for (std::int64_t id = next;; ++id) {
        file.append(ProposalRecord{id, -1, "{}", kNoSparsity, 1, 0.0, "", 0});
        file.append_weights(id, weights(id));
        file.append(candidate(id));
        file.append(retrained(id, 0));
        if (write(fds[1], &id, sizeof id) != sizeof id) _exit(1);
      }
    }
    close(fds[1]);
    std::int64_t acknowledged = next - 1, id = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(rng.uniform_int(30, 400));
    bool read_while_writing = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (read(fds[0], &id, sizeof id) == sizeof id) acknowledged = id;
      if (!read_while_writing && acknowledged > next + 3) {
        EXPECT_GE(ResultsFile::read(path).candidates.size(), static_cast<std::size_t>(next + 3));
        read_while_writing = true;
      }
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    while (read(fds[0], &id, sizeof id) == sizeof id) acknowledged = id;
    close(fds[0]);

    const ResultsContents c = ResultsFile::read(path);
    ASSERT_GE(static_cast<std::int64_t>(c.candidates.size()), acknowledged + 1) << "trial " << trial;
    ASSERT_LE(static_cast<std::int64_t>(c.candidates.size()), acknowledged + 2);  // at most the row in flight
    for (std::size_t k = 0; k < c.candidates.size(); ++k) {
      ASSERT_EQ(c.candidates[k].id, static_cast<std::int64_t>(k));
      expect_same(c.candidates[k], candidate(static_cast<std::int64_t>(k)));
    }
    // Weights go in before their candidate's row: a recorded candidate always has them (the
    // last rows, written around the kill, and a sample of the rest).
    ASSERT_EQ(c.with_weights.size(), c.candidates.size() + (c.with_weights.size() > c.candidates.size() ? 1 : 0));
    for (std::size_t k = c.candidates.size(); k-- > 0;) {
      if (k + 3 < c.candidates.size() && k % 16 != 0) continue;
      const auto w = ResultsFile::read_weights(path, c.candidates[k].id);
      ASSERT_TRUE(w) << "candidate " << k << " lost its weights";
      expect_same(*w, weights(c.candidates[k].id));
    }
    // Every acknowledged retrained row survives too.
    std::set<std::int64_t> retrained_ids;
    for (const RetrainedRecord& r : c.retrained) retrained_ids.insert(r.id);
    for (std::int64_t k = 0; k <= acknowledged; ++k) ASSERT_TRUE(retrained_ids.contains(k)) << "lost retrained row " << k;
    next = static_cast<std::int64_t>(c.candidates.size());
    // Rows after the last full candidate (a proposal without its candidate) do not matter here.
  }
  ResultsFile file = ResultsFile::reopen(path);
  file.append(candidate(next));
  EXPECT_EQ(ResultsFile::read(path).candidates.back().id, next);
}

}  // namespace
}  // namespace unas::store
