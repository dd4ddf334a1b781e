#include "run/experiment_dataset.h"

#include "data/load_dataset.h"
#include "data/stratified_split.h"

namespace unas::run {

namespace {

// n examples of the split (all for n <= 0), every class in proportion: data sets are often
// stored sorted by class (the MNIST subset, Chars74K's folders), where the first n would hold
// a class or two.
data::Split class_balanced_subset(const data::Split& s, std::int64_t n, std::uint64_t seed) {
  if (n <= 0 || n >= s.size()) return s;
  Rng rng(derive_seed(seed, static_cast<std::uint64_t>(n), "subset"));
  return s.select(data::stratified_split(s.labels, n, rng).taken);
}

}  // namespace

data::Dataset load_experiment_dataset(const ExperimentConfig& config) {
  data::Dataset d = data::load_dataset(config.dataset);
  d.train = class_balanced_subset(d.train, config.max_train, config.dataset.split_seed);
  d.validation = class_balanced_subset(d.validation, config.max_validation, config.dataset.split_seed);
  d.test = class_balanced_subset(d.test, config.max_test, config.dataset.split_seed);
  return d;
}

}  // namespace unas::run
