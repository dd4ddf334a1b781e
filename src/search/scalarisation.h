#pragma once
// Random Tchebychev scalarisation (paper Eq. 2, as the authors' code computes it): each round
// draws λ_i ~ U(0, 1) and the goal is max_i min(f_i / b_i, 10) / λ_i over the bounded
// objectives, lower being better. An objective over its bound weighs more than 1 and is hit
// first; the cap keeps one hopeless objective from drowning the others.
#include <array>

#include "common/rng.h"
#include "search/objectives.h"

namespace unas::search {

inline constexpr double kNormalisedCap = 10.0;

struct Scalarisation {
  std::array<double, 4> lambdas{1.0, 1.0, 1.0, 1.0};

  static Scalarisation draw(Rng& rng);
  double goal(const Objectives& objectives, const Bounds& bounds) const;
};

}  // namespace unas::search
