#pragma once
// What the search proposes and what it learns back.
#include <cstdint>
#include <optional>
#include <string>

#include "arch/architecture.h"
#include "arch/morphism.h"
#include "search/objectives.h"

namespace unas::search {

struct Candidate {
  std::int64_t id = 0;
  std::int64_t parent_id = -1;  // -1 for a random (initial or random-search) candidate
  arch::Architecture architecture;
  std::optional<arch::Morphism> morphism;  // parent -> this child (what weight inheritance follows)
  std::optional<double> sparsity;  // target sparsity when the experiment prunes
  std::uint64_t seed = 0;          // training seed
  int redraws = 0;                 // proposals over max_macs drawn again before this one
};

struct Evaluated {
  Candidate candidate;
  bool ok = false;          // false: training failed or was stopped early (never a parent)
  Objectives objectives;    // of the pruned model when pruning; a stopped one's error where it stopped
  bool stopped = false;     // early stopping ended its training: its error is a pessimistic estimate
};

}  // namespace unas::search
