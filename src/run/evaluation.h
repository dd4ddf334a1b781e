#pragma once
// What a trainer sends back for one candidate, and both messages as JSON text for MPI.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "search/candidate.h"

namespace unas::run {

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
  ResourceCounts dense;   // the architecture as proposed
  ResourceCounts pruned;  // after pruning (equal to dense without pruning)
  std::string pruned_layers = "{}";  // JSON {op: {"kept": n, "nonzero": n}}
  double train_seconds = 0.0;
};

std::string encode(const search::Candidate& candidate);
search::Candidate decode_candidate(const std::string& text);
std::string encode(const EvaluationResult& result);
EvaluationResult decode_result(const std::string& text);

}  // namespace unas::run
