#pragma once
// What rank 0 sends a trainer for one candidate and what the trainer sends back, and both as
// MPI messages: JSON text, then, when the message carries weights, a NUL byte and their float32
// values (raw, in the host's byte order: the ranks of one job run on one architecture). A
// 250 K-parameter candidate adds 1 MB to a message; JSON numbers would be ~4x that, and slow.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/stop_rung.h"
#include "common/weights.h"
#include "search/candidate.h"
#include "train/inheritance.h"

namespace unas::run {

struct EvaluationRequest {
  search::Candidate candidate;
  std::optional<train::Inheritance> inheritance;  // the parent's weights, when the child inherits
  std::vector<StopRung> stop_rungs;               // early stopping, in the epochs of its schedule
};

struct ResourceCounts {
  std::int64_t pmu = 0, model_size = 0, macs = 0;
};

struct EvaluationResult {
  std::int64_t id = 0;
  int rank = 0;
  bool ok = false;
  std::string failure;
  double val_error = 1.0;
  double test_error = 1.0;
  std::vector<double> val_curve;
  ResourceCounts dense;              // the architecture as proposed
  ResourceCounts pruned;             // after pruning (equal to dense without pruning)
  std::string pruned_layers = "{}";  // JSON {op: {"kept": n, "nonzero": n}}
  double train_seconds = 0.0;
  std::int64_t inherited_from = -1;  // the parent whose weights it started from
  int epochs_trained = 0;
  double inherited_fraction = 0.0;
  int stopped_at_epoch = 0;  // early stopping ended it (then ok is false)
  double started_at = 0.0;   // Unix seconds, when the trainer rank took it
  std::string host;          // the trainer's host name
  std::string device;        // "cpu", "cuda:N"
  Weights weights;           // final weights (none when it failed, stopped, or was too large to keep)
};

// Early-stopping thresholds as JSON text, [[epoch, max_error], ...] (the results file keeps them).
std::string stop_rungs_text(const std::vector<StopRung>& rungs);
std::vector<StopRung> stop_rungs_from_text(const std::string& text);

std::string encode(const EvaluationRequest& request);
EvaluationRequest decode_request(const std::string& message);
std::string encode(const EvaluationResult& result);
EvaluationResult decode_result(const std::string& message);

}  // namespace unas::run
