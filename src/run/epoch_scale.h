#pragma once
// `[training] epoch_scale = f` shrinks (or stretches) an experiment's training schedule in
// proportion (the arithmetic is train/schedule_scale.h's), so that one scale overlay (experiments/scales/*.toml) fits every experiment, whose
// epoch-indexed settings differ:
//
//   training.epochs          E       -> max(1, round(E·f))
//   training.inherited_epochs N      -> min(max(1, round(N·f)), the scaled epochs)
//   search.early_stopping.rungs r    -> max(1, round(r·f)); rungs that fall together, or on the
//                                       last epoch or after, are dropped
//   training.learning_rate   [e, lr] -> [round(e·f), lr]; a phase that rounds to no epoch at all
//                                       gives way to the next one (epochs stay 0, then increasing)
//   pruning.epochs           [s, t]  -> [round((s−1)·f) + 1, round(t·f)]: pruning over the same
//                                       share of training (1-based epochs s..t are the time from
//                                       s−1 to t), kept ordered and within the scaled epochs
//
// E.g. Chars74K (60 epochs, LR step at 35, pruning 20..53) at f = 0.2: 12 epochs, step at 7,
// pruning 5..11. Values are rewritten in place (they keep their file and line for error
// messages) and the key is removed, so the resolved experiment holds the epochs it trains.
#include <toml++/toml.h>

#include <string>

namespace unas::run {

// Applies and removes training.epoch_scale when present; `file` names the experiment in errors.
void apply_epoch_scale(toml::table& root, const std::string& file);

}  // namespace unas::run
