#pragma once
// Rank 0's early-stopping bookkeeping (search/successive_halving.h): one set of rung statistics
// per schedule, since a child that inherits weights trains a shorter schedule whose errors at a
// rung are not comparable with the full schedule's. Fed every recorded candidate in completion
// order (replayed on resume), it gives each new candidate the thresholds of its schedule.
#include <optional>
#include <vector>

#include "common/stop_rung.h"
#include "run/experiment_config.h"
#include "search/successive_halving.h"
#include "store/records.h"

namespace unas::run {

class StoppingThresholds {
 public:
  explicit StoppingThresholds(const std::optional<EarlyStopping>& config);

  // A finished or stopped candidate's validation curve joins its schedule's rungs.
  void observe(const store::CandidateRecord& record);
  // For a candidate about to train the full schedule, or (`inherits`) the inherited one; empty
  // without early stopping or before any rung has enough reports.
  std::vector<StopRung> thresholds(bool inherits) const;

 private:
  std::optional<search::RungStatistics> full_, inherited_;
};

}  // namespace unas::run
