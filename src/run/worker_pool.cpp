#include "run/worker_pool.h"

#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

#include "common/wall_clock.h"
#include "data/dataset.h"
#include "run/trainer_process.h"

namespace unas::run {

namespace {

enum Tag : int { kRequest = 1, kResult = 2, kStop = 3, kFatal = 4 };

// The trainer's side of the timeline: when it took the candidate, and where it trained it.
EvaluationResult stamped(EvaluationResult r, double started_at, const Placement& placement) {
  r.started_at = started_at;
  r.host = placement.host;
  r.device = placement.device;
  return r;
}

void send_text(const std::string& text, int to, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD);
}

std::string receive_text(const MPI_Status& probed) {
  int size = 0;
  MPI_Get_count(&probed, MPI_BYTE, &size);
  std::string text(static_cast<std::size_t>(size), '\0');
  MPI_Recv(text.data(), size, MPI_BYTE, probed.MPI_SOURCE, probed.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return text;
}

class MpiPool : public WorkerPool {
 public:
  explicit MpiPool(int size) {
    for (int rank = size - 1; rank >= 1; --rank) idle_.push_back(rank);
    slots_ = size - 1;
  }
  int slots() const override { return slots_; }
  int busy() const override { return slots_ - static_cast<int>(idle_.size()) - stopped_; }

  void submit(const EvaluationRequest& request) override {
    const int rank = idle_.back();
    idle_.pop_back();
    send_text(encode(request), rank, kRequest);
  }

  // Polls so that a stop signal is noticed while trainers are busy.
  std::optional<EvaluationResult> wait(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
      if (flag) {
        const std::string text = receive_text(status);
        if (status.MPI_TAG == kFatal) throw WorkerFatal(fmt::format("rank {}: {}", status.MPI_SOURCE, text));
        idle_.push_back(status.MPI_SOURCE);
        return decode_result(text);
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

  void shutdown() override {
    for (int rank : idle_) send_text("", rank, kStop);
    stopped_ += static_cast<int>(idle_.size());
    idle_.clear();
  }

 private:
  std::vector<int> idle_;
  int slots_ = 0;
  int stopped_ = 0;
};

}  // namespace

std::optional<EvaluationResult> InProcessPool::wait(std::chrono::milliseconds) {
  if (queue_.empty()) return std::nullopt;
  const EvaluationRequest request = std::move(queue_.front());
  queue_.pop_front();
  const double started_at = unix_now();
  return stamped(evaluator_.evaluate(request, 0), started_at, placement_);
}

std::unique_ptr<WorkerPool> make_mpi_pool(int size) { return std::make_unique<MpiPool>(size); }

// Waits for rank 0's next message without spinning: OpenMPI busy-polls in a blocking probe, and
// idle trainers sharing cores with rank 0 would starve it (measured: 75 % utilisation at 64
// oversubscribed ranks). A millisecond of latency is nothing beside a training run.
MPI_Status wait_for_master() {
  MPI_Status status;
  for (int flag = 0;;) {
    MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (flag) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void run_worker(const ExperimentConfig& base, int rank, const Placement& placement) {
  const ExperimentConfig config = with_device(base, placement);
  IsolatingEvaluator evaluator(config);
  for (;;) {
    const MPI_Status status = wait_for_master();
    const std::string text = receive_text(status);
    if (status.MPI_TAG == kStop) return;
    try {
      const double started_at = unix_now();
      send_text(encode(stamped(evaluator.evaluate(decode_request(text), rank), started_at, placement)), 0, kResult);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      send_text(e.what(), 0, kFatal);
      return;
    }
  }
}

}  // namespace unas::run
