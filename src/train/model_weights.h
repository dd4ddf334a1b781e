#pragma once
// A candidate model's state to and from the plain Weights value (common/weights.h) that travels
// to rank 0 and into the results file.
#include "common/weights.h"
#include "train/candidate_model.h"

namespace unas::train {

// Float32 CPU copies of every parameter and batch-norm statistic, named as named_state() names
// them. NCHW order whatever the model's memory format.
Weights export_weights(const CandidateModelImpl& model);

// Sets the model's state to `weights`, which must hold every tensor of the model with its exact
// shape (the same architecture); throws WeightsError naming the first that does not fit.
void load_weights(CandidateModelImpl& model, const Weights& weights);

// A read-only tensor over one stored tensor's values (no copy; valid while `weights` lives).
torch::Tensor view_of(const Weights& weights, const TensorEntry& entry);

}  // namespace unas::train
