#pragma once
// The real Fashion-MNIST (Debian's dataset-fashion-mnist package), cut to its first examples:
// what the tests that really train use.
#include "data/load_dataset.h"

namespace unas::testing {

inline data::Dataset fashion_mnist_head(std::int64_t train, std::int64_t validation, std::int64_t test) {
  data::Dataset d = data::load_dataset({"fashion_mnist", "/usr/share/datasets/fashion-mnist", 0, 0, false, 0});
  d.train = d.train.head(train);
  d.validation = d.validation.head(validation);
  d.test = d.test.head(test);
  return d;
}

}  // namespace unas::testing
