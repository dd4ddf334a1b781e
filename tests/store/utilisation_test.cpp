// store/utilisation.h on hand-made results: the figures are computed by hand in the comments, and
// are the same run as tests/analysis/test_utilisation.py's, so unas inspect and analysis/ agree.
#include "store/utilisation.h"

#include <gtest/gtest.h>

namespace unas::store {
namespace {

constexpr double kT0 = 1.7e9;

ProposalRecord issued(std::int64_t id, double at) {
  ProposalRecord p;
  p.id = id;
  p.issued_at = at;
  return p;
}

CandidateRecord ran(std::int64_t id, int rank, const char* outcome, double start, double end, const char* device) {
  CandidateRecord r;
  r.id = id;
  r.rank = rank;
  r.outcome = outcome;
  r.issued_at = r.started_at = kT0 + start;
  r.finished_at = kT0 + end;
  r.train_seconds = end - start - 5;  // ignored when started_at is known
  r.host = "node1";
  r.device = device;
  return r;
}

// Session 1 from T0 to its stop at T0 + 3600; then 1800 s queued; session 2 from T0 + 5400, killed
// after its last result at T0 + 7200. Two trainers (mpi_size 3) on two GPUs.
ResultsContents two_sessions() {
  ResultsContents c;
  c.info.mpi_size = 3;
  c.candidates = {ran(0, 1, "ok", 0, 1800, "cuda:0"), ran(1, 2, "stopped", 0, 900, "cuda:1"),
                  ran(2, 2, "ok", 900, 3600, "cuda:1"), ran(3, 1, "failed", 5400, 7200, "cuda:0"),
                  ran(4, 2, "ok", 5400, 6300, "cuda:1")};
  for (const auto& r : c.candidates) c.proposals.push_back(issued(r.id, r.issued_at));
  c.sessions = {{kT0, "start", 3, "node1"}, {kT0 + 3600, "stop", 3, "node1"}, {kT0 + 5400, "start", 3, "node1"}};
  return c;
}

TEST(Utilisation, SessionsEndAtTheirStopOrTheirLastRecord) {
  const Utilisation u = utilisation_of(two_sessions());
  ASSERT_EQ(u.sessions.size(), 2U);
  EXPECT_EQ(u.sessions[0].start, kT0);
  EXPECT_EQ(u.sessions[0].end, kT0 + 3600);
  EXPECT_EQ(u.sessions[1].start, kT0 + 5400);
  EXPECT_EQ(u.sessions[1].end, kT0 + 7200);
  EXPECT_EQ(u.sessions[1].trainers, 2);
  EXPECT_EQ(u.gap_seconds, 1800.0);
}

TEST(Utilisation, BusyOverAllocatedAndCandidatesPerDeviceHour) {
  const Utilisation u = utilisation_of(two_sessions());
  EXPECT_DOUBLE_EQ(u.allocated_seconds, (3600 + 1800) * 2);                // 3 trainer-hours
  EXPECT_DOUBLE_EQ(u.busy_seconds, 1800 + 900 + 2700 + 1800 + 900);        // 2.25 h, from started_at
  EXPECT_DOUBLE_EQ(u.utilisation(), 0.75);
  EXPECT_EQ(u.devices, 2);
  EXPECT_DOUBLE_EQ(u.candidates_per_device_hour(), 5.0 / 3.0);            // 5 over 1.5 h x 2 devices
  ASSERT_EQ(u.ranks.size(), 2U);
  EXPECT_EQ(u.ranks.at(1).device, "cuda:0");
  EXPECT_EQ(u.ranks.at(1).candidates, 2);
  EXPECT_DOUBLE_EQ(u.ranks.at(2).busy_seconds, 4500);
}

// Before the timeline: no started_at, devices or sessions. One session from the first proposal to
// the last result, mpi_size - 1 trainers, each trainer a device, busy from finished_at - train_seconds.
TEST(Utilisation, AFileFromBeforeTheTimeline) {
  ResultsContents c;
  c.info.mpi_size = 2;
  for (std::int64_t id = 0; id < 3; ++id) {
    CandidateRecord r;
    r.id = id;
    r.rank = 1;
    r.issued_at = kT0 + 100.0 * static_cast<double>(id);
    r.finished_at = r.issued_at + 95;
    r.train_seconds = 90;
    c.candidates.push_back(r);
    c.proposals.push_back(issued(id, r.issued_at));
  }
  const Utilisation u = utilisation_of(c);
  ASSERT_EQ(u.sessions.size(), 1U);
  EXPECT_EQ(u.sessions[0].end - u.sessions[0].start, 295.0);
  EXPECT_DOUBLE_EQ(u.busy_seconds, 270.0);
  EXPECT_DOUBLE_EQ(u.utilisation(), 270.0 / 295.0);
  EXPECT_EQ(u.devices, 1);
}

TEST(Utilisation, AnEmptyFileHasNoSessionsAndNoDivisionByZero) {
  const Utilisation u = utilisation_of(ResultsContents{});
  EXPECT_TRUE(u.sessions.empty());
  EXPECT_EQ(u.utilisation(), 0.0);
  EXPECT_EQ(u.candidates_per_device_hour(), 0.0);
}

}  // namespace
}  // namespace unas::store
