#include "train/schedule_scale.h"

#include <algorithm>
#include <cmath>

namespace unas::train {

namespace {

std::int64_t scaled(double epoch, double factor) { return std::lround(epoch * factor); }

}  // namespace

std::int64_t scaled_epoch_count(std::int64_t epochs, double factor) {
  return std::max<std::int64_t>(1, scaled(static_cast<double>(epochs), factor));
}

std::vector<std::optional<std::int64_t>> scaled_step_epochs(const std::vector<std::int64_t>& epochs, double factor) {
  std::vector<std::optional<std::int64_t>> out(epochs.size());
  // Walk backwards: a step whose scaled epoch is not before the next kept one's gives way to it.
  std::int64_t next_kept = INT64_MAX;
  for (std::size_t k = epochs.size(); k-- > 0;) {
    const std::int64_t e = scaled(static_cast<double>(epochs[k]), factor);
    if (e >= next_kept) continue;
    out[k] = e;
    next_kept = e;
  }
  return out;
}

std::pair<std::int64_t, std::int64_t> scaled_pruning_epochs(double start, double finish, double factor,
                                                            std::int64_t epochs) {
  const std::int64_t new_start = std::min(scaled(start - 1, factor) + 1, epochs);
  return {new_start, std::clamp(scaled(finish, factor), new_start, epochs)};
}

TrainConfig schedule_in_epochs(const TrainConfig& config, int epochs) {
  TrainConfig out = config;
  const double factor = static_cast<double>(epochs) / static_cast<double>(config.epochs);
  out.epochs = epochs;
  std::vector<std::int64_t> steps;
  for (const LearningRateStep& s : config.optimizer.schedule) steps.push_back(s.from_epoch);
  const auto scaled_steps = scaled_step_epochs(steps, factor);
  out.optimizer.schedule.clear();
  for (std::size_t k = 0; k < steps.size(); ++k)
    if (scaled_steps[k])
      out.optimizer.schedule.push_back({static_cast<int>(*scaled_steps[k]), config.optimizer.schedule[k].rate});
  if (config.pruning) {
    const auto [start, finish] =
        scaled_pruning_epochs(config.pruning->start_epoch, config.pruning->finish_epoch, factor, epochs);
    out.pruning->start_epoch = static_cast<int>(start);
    out.pruning->finish_epoch = static_cast<int>(finish);
  }
  return out;
}

}  // namespace unas::train
