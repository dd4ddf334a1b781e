#include "search/scalarisation.h"

#include <algorithm>
#include <limits>

namespace unas::search {

Scalarisation Scalarisation::draw(Rng& rng) {
  Scalarisation s;
  // U(0, 1] rather than [0, 1): a zero weight would divide by zero.
  for (double& l : s.lambdas) l = 1.0 - rng.uniform01();
  return s;
}

double Scalarisation::goal(const Objectives& objectives, const Bounds& bounds) const {
  const auto values = objectives.values();
  const auto limits = bounds.values();
  double worst = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < 4; ++i) {
    if (!limits[i]) continue;
    worst = std::max(worst, std::min(values[i] / *limits[i], kNormalisedCap) / lambdas[i]);
  }
  return worst;
}

}  // namespace unas::search
