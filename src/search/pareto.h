#pragma once
// Pareto front of evaluated points: those no other point beats in every bounded objective.
#include <cstddef>
#include <vector>

#include "search/objectives.h"

namespace unas::search {

// Indices of the non-dominated points, over the objectives that have a bound.
std::vector<std::size_t> pareto_front(const std::vector<Objectives>& points, const Bounds& bounds);

}  // namespace unas::search
