#include "run/trainer_process.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/byte_size.h"
#include "common/child_process.h"
#include "common/fault_injection.h"
#include "data/dataset.h"

namespace unas::run {

namespace {

std::string out_of_memory_reason(const ExperimentConfig& config) {
  return config.memory_limit_bytes ? fmt::format("out of memory: over [training] memory_limit = {}",
                                                 byte_size_text(*config.memory_limit_bytes))
                                   : std::string("out of memory");
}

// What the child's exit says about its candidate; "" when it answered.
std::string failure_of(const ChildOutcome& o, const ExperimentConfig& config) {
  if (o.timed_out) return fmt::format("timeout after {:g} s", *config.timeout_seconds);
  if (o.signal == SIGKILL) return "killed: SIGKILL (the kernel's out-of-memory killer, or another process)";
  if (o.signal != 0) return "crashed: " + signal_name(o.signal);
  if (o.exit_status == kExitOutOfMemory) return out_of_memory_reason(config);
  if (o.exit_status != 0) return fmt::format("trainer process exited with status {}", o.exit_status);
  return "";
}

// Allocation failures as a trainer reports them: C++'s, and torch's allocator's.
bool is_allocation_failure(const std::string& failure) {
  return failure == "std::bad_alloc" || failure.find("can't allocate memory") != std::string::npos;
}

void write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(1);  // the parent is gone: nobody to answer
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

EvaluationResult IsolatingEvaluator::evaluate(const EvaluationRequest& request, int rank) {
  if (!config_.isolate_trainers) return in_process_.evaluate(request, rank);
  EvaluationResult r = in_process_.prepare(request, rank);
  if (!r.failure.empty()) return r;
  const nlohmann::json header = {{"experiment_toml", config_.resolved_toml},
                                 {"name", config_.name},
                                 {"rank", rank},
                                 {"device", config_.training.device}};
  const std::vector<std::string> argv = {
      "/proc/self/exe",  "--log-level", spdlog::level::to_string_view(spdlog::get_level()).data(),
      "train-candidate", "--parent",    std::to_string(getpid())};
  ChildOutcome o;
  try {
    o = run_child(argv, header.dump() + "\n" + encode(request), config_.timeout_seconds);
  } catch (const std::system_error& e) {  // out of processes or memory for a moment: this candidate only
    r.failure = fmt::format("cannot start a trainer process: {}", e.what());
    spdlog::warn("candidate {}: {}", r.id, r.failure);
    return r;
  }
  if (o.exited_cleanly()) {
    try {
      return decode_result(o.answer);
    } catch (const std::exception& e) {
      r.failure = fmt::format("trainer process sent an unreadable result ({})", e.what());
    }
  } else if (o.exit_status == kExitDataError) {
    throw data::DataError(o.answer);
  } else {
    r.failure = failure_of(o, config_);
  }
  r.train_seconds = o.seconds;
  spdlog::warn("candidate {}: {}", r.id, r.failure);
  return r;
}

int train_candidate_in_child(pid_t parent) {
  die_with_parent(parent);
  const std::string input = read_all(0);
  const std::size_t line_end = input.find('\n');
  if (line_end == std::string::npos) {
    std::cerr << "unas train-candidate: no request on stdin (this command is started by trainer ranks)\n";
    return 2;
  }
  const nlohmann::json header = nlohmann::json::parse(input.substr(0, line_end));
  const int rank = header.at("rank").get<int>();
  ExperimentConfig config =
      load_resolved_experiment(header.at("experiment_toml").get<std::string>(), fmt::format("rank {}", rank),
                               header.at("name").get<std::string>());
  config.training.device = config.inherited_training.device = header.at("device").get<std::string>();  // its rank's placement
  const EvaluationRequest request = decode_request(input.substr(line_end + 1));
  spdlog::set_pattern(
      fmt::format("[%Y-%m-%d %H:%M:%S] [rank {}, candidate {}] [%^%l%$] %v", rank, request.candidate.id));
  if (config.memory_limit_bytes) limit_memory(*config.memory_limit_bytes);
  start_fault(plan_fault(config.faults, request.candidate.seed));

  CandidateEvaluator evaluator(config);
  EvaluationResult result;
  try {
    result = evaluator.evaluate(request, rank);
  } catch (const data::DataError& e) {
    write_all(kChildAnswerFd, e.what());
    return kExitDataError;
  } catch (const std::bad_alloc&) {
    return kExitOutOfMemory;
  }
  await_fault();
  if (is_allocation_failure(result.failure)) return kExitOutOfMemory;
  write_all(kChildAnswerFd, encode(result));
  return 0;
}

}  // namespace unas::run
