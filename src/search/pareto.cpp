#include "search/pareto.h"

namespace unas::search {

std::vector<std::size_t> pareto_front(const std::vector<Objectives>& points, const Bounds& bounds) {
  const auto limits = bounds.values();
  const auto dominates = [&](const Objectives& a, const Objectives& b) {
    const auto va = a.values(), vb = b.values();
    bool better = false;
    for (std::size_t i = 0; i < 4; ++i) {
      if (!limits[i]) continue;
      if (va[i] > vb[i]) return false;
      better = better || va[i] < vb[i];
    }
    return better;
  };
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) dominated = j != i && dominates(points[j], points[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

}  // namespace unas::search
