#pragma once
// One rung of early stopping (search/successive_halving.h): after `epoch` (1-based) a candidate
// whose validation error is above `max_error` stops. Shared by the search, which sets the
// thresholds, and the trainer, which applies them.
#include <vector>

namespace unas {

struct StopRung {
  int epoch = 1;
  double max_error = 1.0;
  bool operator==(const StopRung&) const = default;
};

// The epoch of the first rung this validation curve (error after each epoch) fails; 0 when it
// fails none it reached.
inline int stopping_epoch(const std::vector<StopRung>& rungs, const std::vector<double>& val_curve) {
  for (const StopRung& r : rungs)
    if (static_cast<int>(val_curve.size()) >= r.epoch && val_curve[static_cast<std::size_t>(r.epoch) - 1] > r.max_error)
      return r.epoch;
  return 0;
}

}  // namespace unas
