#pragma once
// The float range of every tensor of a trained model over a sample of training inputs: what
// post-training quantisation sets each activation's scale and zero point from.
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "deploy/quantised_model.h"
#include "train/candidate_model.h"

namespace unas::deploy {

// Runs `count` inputs of `split` (a seeded draw; all when it holds fewer) through `model` in
// evaluation mode and returns each tensor's min and max, widened to include 0 as TFLite does.
std::vector<TensorRange> calibrate(train::CandidateModelImpl& model, const data::Dataset& data, const data::Split& split,
                                   std::int64_t count, std::uint64_t seed);

}  // namespace unas::deploy
