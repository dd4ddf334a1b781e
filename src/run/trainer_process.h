#pragma once
// Crash isolation. With [training] isolation = "process" (the default), a trainer rank trains
// each candidate in a child process of its own, `unas train-candidate` (exec'd: a bare fork of an
// MPI and torch process is not safe), and waits for it. A child that dies by a signal, exits
// with an error, outlives [training] timeout_seconds (it is killed then) or runs out of
// [training] memory_limit (a limit set in the child) costs its candidate only: the result is a
// failure with a typed reason ("crashed: SIGSEGV", "timeout after 600 s", "out of memory: ..."),
// and the rank takes the next candidate. A child also takes a CUDA context that an error
// poisoned with it. isolation = "none" trains in the rank itself, as a one-process run (no
// trainer ranks) always does.
//
// The child reads from its stdin one JSON line, {"experiment_toml", "name", "rank", "device"}, and then
// the request (evaluation.h's message); it answers on descriptor 3 with the result message, or,
// when the data set cannot be loaded, with the error and exit status kExitDataError, which stops
// the run as it would in-process.
#include <sys/types.h>

#include "run/candidate_evaluator.h"
#include "run/evaluation.h"
#include "run/experiment_config.h"

namespace unas::run {

inline constexpr int kExitDataError = 11;

class IsolatingEvaluator {
 public:
  explicit IsolatingEvaluator(const ExperimentConfig& config) : config_(config), in_process_(config) {}
  // Never throws for a bad candidate; throws data::DataError when the data set cannot be loaded.
  EvaluationResult evaluate(const EvaluationRequest& request, int rank);

 private:
  const ExperimentConfig& config_;
  CandidateEvaluator in_process_;
};

// `unas train-candidate --parent PID`: the child's side. Returns its exit status.
int train_candidate_in_child(pid_t parent);

}  // namespace unas::run
