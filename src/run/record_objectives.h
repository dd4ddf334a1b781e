#pragma once
// A recorded candidate's objectives as the search sees them: its error and its resource
// figures after pruning.
#include "search/objectives.h"
#include "store/records.h"

namespace unas::run {

inline search::Objectives objectives_of(const store::CandidateRecord& r) {
  return search::Objectives{r.val_error, r.pmu_pruned, r.model_size_pruned, r.macs_pruned};
}

}  // namespace unas::run
