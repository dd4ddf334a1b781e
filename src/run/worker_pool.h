#pragma once
// Where candidates run, as the master sees it: a fixed number of slots, candidates submitted to
// free slots, finished results collected in any order.
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>

#include "run/candidate_evaluator.h"
#include "run/evaluation.h"
#include "run/trainer_placement.h"

namespace unas::run {

class WorkerPool {
 public:
  virtual ~WorkerPool() = default;
  virtual int slots() const = 0;
  virtual int busy() const = 0;
  virtual void submit(const EvaluationRequest& request) = 0;
  // A finished result if one arrives within `timeout`.
  virtual std::optional<EvaluationResult> wait(std::chrono::milliseconds timeout) = 0;
  // Lets idle workers exit. Busy ones are left to finish or be killed by the launcher.
  virtual void shutdown() = 0;
};

// A worker that cannot go on (its data set would not load); the run stops with this message.
class WorkerFatal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One process: the master trains each candidate itself when asked for a result.
class InProcessPool : public WorkerPool {
 public:
  InProcessPool(const ExperimentConfig& config, Placement placement)
      : config_(with_device(config, placement)), placement_(std::move(placement)), evaluator_(config_) {}
  int slots() const override { return 1; }
  int busy() const override { return static_cast<int>(queue_.size()); }
  void submit(const EvaluationRequest& request) override { queue_.push_back(request); }
  std::optional<EvaluationResult> wait(std::chrono::milliseconds timeout) override;
  void shutdown() override {}

 private:
  const ExperimentConfig config_;  // on the placement's device; the evaluator refers to it
  Placement placement_;
  CandidateEvaluator evaluator_;
  std::deque<EvaluationRequest> queue_;
};

// Rank 0 of an MPI job: ranks 1..N-1 train.
std::unique_ptr<WorkerPool> make_mpi_pool(int size);

// The loop of ranks 1..N-1: train what rank 0 sends until it says stop (each candidate in a
// process of its own, run/trainer_process.h, unless [training] isolation = "none"), on the
// placement's device; each result says when the rank took the candidate, on which host and device.
void run_worker(const ExperimentConfig& config, int rank, const Placement& placement);

}  // namespace unas::run
