#include "run/epoch_scale.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "run/toml_section.h"
#include "train/schedule_scale.h"

namespace unas::run {

namespace {

// Writes an epoch into a number node, whether the file wrote it as an integer or a float.
void set_number(toml::node& node, std::int64_t value) {
  if (auto* i = node.as_integer()) i->get() = value;
  if (auto* f = node.as_floating_point()) f->get() = static_cast<double>(value);
}

// The rest of each check is the readers' (TomlSection): values of the wrong type are left alone
// here, for them to report with file and line.
std::int64_t scale_epochs(toml::table& training, double factor) {
  toml::node* epochs = training.get("epochs");
  if (epochs == nullptr || !epochs->is_integer()) return 1;  // the reader's default, or its error
  const std::int64_t value = train::scaled_epoch_count(*epochs->value<std::int64_t>(), factor);
  set_number(*epochs, value);
  return value;
}

// A child that inherits weights trains a part of the schedule: that part shrinks with it, and
// never exceeds the scaled epochs.
void scale_inherited_epochs(toml::table& training, double factor, std::int64_t epochs) {
  toml::node* inherited = training.get("inherited_epochs");
  if (inherited == nullptr || !inherited->is_integer() || *inherited->value<std::int64_t>() < 1) return;
  set_number(*inherited, std::min(epochs, train::scaled_epoch_count(*inherited->value<std::int64_t>(), factor)));
}

// Early-stopping rungs keep their share of training: each moves to max(1, round(r·f)); one that
// lands on an earlier one's epoch, or on the last epoch or after, is dropped.
void scale_rungs(toml::table& root, double factor, std::int64_t epochs) {
  toml::array* rungs = root["search"]["early_stopping"]["rungs"].as_array();
  if (rungs == nullptr) return;
  for (const toml::node& r : *rungs)
    if (!r.is_integer()) return;  // the reader says why
  std::int64_t last = 0;
  for (std::size_t k = 0; k < rungs->size();) {
    const std::int64_t e = train::scaled_epoch_count(*(*rungs)[k].value<std::int64_t>(), factor);
    if (e <= last || e >= epochs) {
      rungs->erase(rungs->begin() + static_cast<std::ptrdiff_t>(k));
      continue;
    }
    set_number((*rungs)[k++], e);
    last = e;
  }
}

void scale_learning_rate(toml::table& training, double factor) {
  toml::array* steps = training["learning_rate"].as_array();
  if (steps == nullptr) return;
  for (const toml::node& step : *steps) {
    const toml::array* pair = step.as_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_integer()) return;
  }
  std::vector<std::int64_t> epochs;
  for (toml::node& step : *steps) epochs.push_back(*(*step.as_array())[0].value<std::int64_t>());
  const auto scaled = train::scaled_step_epochs(epochs, factor);
  for (std::size_t k = epochs.size(); k-- > 0;) {
    if (scaled[k])
      set_number((*(*steps)[k].as_array())[0], *scaled[k]);
    else
      steps->erase(steps->begin() + static_cast<std::ptrdiff_t>(k));
  }
}

void scale_pruning(toml::table& root, double factor, std::int64_t epochs) {
  toml::array* range = root["pruning"]["epochs"].as_array();
  if (range == nullptr || range->size() != 2 || !(*range)[0].is_number() || !(*range)[1].is_number()) return;
  const double start = *(*range)[0].value<double>(), finish = *(*range)[1].value<double>();
  if (start < 1 || finish < start) return;  // the reader says why
  const auto [new_start, new_finish] = train::scaled_pruning_epochs(start, finish, factor, epochs);
  set_number((*range)[0], new_start);
  set_number((*range)[1], new_finish);
}

}  // namespace

void apply_epoch_scale(toml::table& root, const std::string& file) {
  toml::table* training = root["training"].as_table();
  if (training == nullptr || !training->contains("epoch_scale")) return;
  const double factor = *TomlSection(training, "training.", file).number("epoch_scale", 1e-6, 1000.0);
  training->erase("epoch_scale");
  const std::int64_t epochs = scale_epochs(*training, factor);
  scale_inherited_epochs(*training, factor, epochs);
  scale_rungs(root, factor, epochs);
  scale_learning_rate(*training, factor);
  scale_pruning(root, factor, epochs);
}

}  // namespace unas::run
