#pragma once
// Early stopping by asynchronous successive halving (ASHA, Li et al. 2020), as the stopping rule
// Ray Tune, Syne Tune and Optuna's pruners apply: a candidate's training passes rungs (epochs);
// at each one it goes on only if its validation error is among the best `keep` share of those
// that earlier candidates reported there. Until a rung has `min_reports` reports, nobody stops
// at it.
//
// Pure bookkeeping: rank 0 feeds it every finished (or stopped) candidate's validation curve, in
// completion order, and hands the current thresholds to each new candidate with its proposal,
// so the trainer decides alone, with no message per epoch. The thresholds are a function of the
// curves recorded before, so a resumed run replays them exactly.
#include <vector>

#include "common/stop_rung.h"

namespace unas::search {

class RungStatistics {
 public:
  // `rung_epochs`: increasing, 1-based; `keep` in (0, 1).
  RungStatistics(std::vector<int> rung_epochs, double keep, int min_reports);

  // The error after each rung epoch the curve reached (curve[e - 1] for rung e).
  void observe(const std::vector<double>& val_curve);

  // The rungs with at least min_reports reports, each with the `keep` quantile of its errors
  // (linear interpolation between order statistics).
  std::vector<StopRung> thresholds() const;

  const std::vector<int>& rung_epochs() const { return rungs_; }
  std::size_t reports(std::size_t rung) const { return errors_[rung].size(); }

 private:
  std::vector<int> rungs_;
  double keep_;
  int min_reports_;
  std::vector<std::vector<double>> errors_;  // per rung, sorted
};

}  // namespace unas::search
