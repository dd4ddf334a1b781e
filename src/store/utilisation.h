#pragma once
// Where a run's allocation went, from its results file alone (`unas inspect --utilisation`;
// analysis/unas_analysis/utilisation.py computes the same and draws it as a Gantt chart).
// A candidate occupied its trainer from started_at (the trainer's clock) to finished_at (rank 0's,
// when the result was recorded); in files from before started_at, from finished_at -
// train_seconds. A session is one start of `unas run` (a resume after a requeue is another): from
// its "start" row to its "stop" row, or, killed without one, to the last thing it recorded before
// the next start; it holds mpi_size - 1 trainers (1 for a one-process run). A file without
// sessions is one session, from the first proposal to the last result. Allocated trainer time is
// the sessions' durations times their trainers: time between sessions (queued after a requeue)
// is not allocated, and is a gap. A device is a (host, device) pair the trainers reported (a
// node's CPUs count as one); a file without devices counts each trainer as one.
#include <map>
#include <string>
#include <vector>

#include "store/records.h"

namespace unas::store {

struct Session {
  double start = 0.0, end = 0.0;  // Unix seconds
  int trainers = 1;
};

struct RankUse {
  std::string host, device;  // the last it reported
  int candidates = 0;
  double busy_seconds = 0.0;
};

struct Utilisation {
  std::vector<Session> sessions;  // in time order
  std::map<int, RankUse> ranks;
  int candidates = 0;
  int trainers = 0;  // the most any session held
  int devices = 0;
  double busy_seconds = 0.0;
  double held_seconds = 0.0;       // the sessions' durations
  double allocated_seconds = 0.0;  // the same times their trainers
  double gap_seconds = 0.0;        // between sessions

  double utilisation() const { return allocated_seconds > 0 ? busy_seconds / allocated_seconds : 0.0; }
  double candidates_per_device_hour() const {
    return held_seconds > 0 && devices > 0 ? candidates / (held_seconds * devices / 3600.0) : 0.0;
  }
};

Utilisation utilisation_of(const ResultsContents& contents);

}  // namespace unas::store
