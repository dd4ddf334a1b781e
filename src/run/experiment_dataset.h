#pragma once
// The data set an experiment trains and evaluates on: its loader's splits cut to the
// experiment's max_train / max_validation / max_test. The trainer and `unas export` share it,
// so an exported model is tested on exactly the examples its search tested it on.
#include "data/dataset.h"
#include "run/experiment_config.h"

namespace unas::run {

// Throws data::DataError if the data set cannot be loaded.
data::Dataset load_experiment_dataset(const ExperimentConfig& config);

}  // namespace unas::run
