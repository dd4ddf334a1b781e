#include "search/successive_halving.h"

#include <algorithm>
#include <cmath>

namespace unas::search {

RungStatistics::RungStatistics(std::vector<int> rung_epochs, double keep, int min_reports)
    : rungs_(std::move(rung_epochs)), keep_(keep), min_reports_(min_reports), errors_(rungs_.size()) {}

void RungStatistics::observe(const std::vector<double>& val_curve) {
  for (std::size_t k = 0; k < rungs_.size(); ++k) {
    const auto epoch = static_cast<std::size_t>(rungs_[k]);
    if (val_curve.size() < epoch) break;
    std::vector<double>& e = errors_[k];
    e.insert(std::upper_bound(e.begin(), e.end(), val_curve[epoch - 1]), val_curve[epoch - 1]);
  }
}

std::vector<StopRung> RungStatistics::thresholds() const {
  std::vector<StopRung> out;
  for (std::size_t k = 0; k < rungs_.size(); ++k) {
    const std::vector<double>& e = errors_[k];
    if (static_cast<int>(e.size()) < min_reports_ || e.empty()) continue;
    const double position = keep_ * static_cast<double>(e.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, e.size() - 1);
    const double t = position - static_cast<double>(below);
    out.push_back({rungs_[k], e[below] + t * (e[above] - e[below])});
  }
  return out;
}

}  // namespace unas::search
