#pragma once
// A training schedule scaled in proportion: the arithmetic behind `[training] epoch_scale`
// (run/epoch_scale.h rewrites an experiment with it) and behind `inherited_epochs` (a child that
// inherits its parent's weights trains the experiment's schedule squeezed into fewer epochs).
//
//   epochs          E       -> max(1, round(E·f))
//   LR step epochs  e       -> round(e·f); a step that lands on or after the next kept step's
//                              epoch gives way to it (epochs stay 0, then increasing)
//   pruning epochs  [s, t]  -> [round((s−1)·f) + 1, round(t·f)]: pruning over the same share of
//                              training (1-based epochs s..t are the time from s−1 to t), kept
//                              ordered and within the scaled epochs
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "train/trainer.h"

namespace unas::train {

std::int64_t scaled_epoch_count(std::int64_t epochs, double factor);

// The scaled epoch of each learning-rate step (given in increasing order), or nullopt for a step
// that gives way to the next.
std::vector<std::optional<std::int64_t>> scaled_step_epochs(const std::vector<std::int64_t>& epochs, double factor);

// Pruning's [start, finish] (1-based) within `epochs` scaled epochs.
std::pair<std::int64_t, std::int64_t> scaled_pruning_epochs(double start, double finish, double factor,
                                                            std::int64_t epochs);

// `config` with its schedule squeezed (or stretched) into `epochs` epochs.
TrainConfig schedule_in_epochs(const TrainConfig& config, int epochs);

}  // namespace unas::train
