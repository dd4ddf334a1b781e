#include "run/stopping_thresholds.h"

#include <nlohmann/json.hpp>

namespace unas::run {

StoppingThresholds::StoppingThresholds(const std::optional<EarlyStopping>& config) {
  if (!config) return;
  full_.emplace(config->rungs, config->keep, config->min_reports);
  inherited_.emplace(config->inherited_rungs, config->keep, config->min_reports);
}

void StoppingThresholds::observe(const store::CandidateRecord& record) {
  if (!full_ || !(record.ok() || record.stopped())) return;  // a failure's curve says nothing of its promise
  const auto curve = nlohmann::json::parse(record.val_curve).get<std::vector<double>>();
  (record.inherited_from >= 0 ? *inherited_ : *full_).observe(curve);
}

std::vector<StopRung> StoppingThresholds::thresholds(bool inherits) const {
  if (!full_) return {};
  return (inherits ? *inherited_ : *full_).thresholds();
}

}  // namespace unas::run
