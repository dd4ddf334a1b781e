#pragma once
// A classification data set held in memory. A split keeps its examples in their most compact
// raw form (uint8 N×C×H×W images, which keeps CIFAR-10 at 180 MB instead of 740 MB; int16
// waveforms; or features computed once); the data set's InputPipeline turns rows of it into
// float model inputs per batch, with augmentation for training batches.
#include <torch/types.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "common/rng.h"
#include "data/input_pipeline.h"
#include "resources/layer_graph.h"

namespace unas::data {

struct Split {
  torch::Tensor examples;  // one row per example, in the form the data set's pipeline reads
  torch::Tensor labels;    // int64, N

  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  Split select(const torch::Tensor& rows) const { return Split{examples.index_select(0, rows), labels.index_select(0, rows)}; }
  // The first n examples (all of them for n <= 0).
  Split head(std::int64_t n) const {
    return n <= 0 || n >= size() ? *this : Split{examples.slice(0, 0, n), labels.slice(0, 0, n)};
  }
};

struct Dataset {
  std::string name;
  Split train, validation, test;
  int num_classes = 0;
  resources::TensorShape input;                  // H×W×C of one model input
  std::shared_ptr<const InputPipeline> pipeline;  // raw rows -> model inputs

  // Float N×C×H×W model inputs for `rows` of `split`; a training batch passes the stream its
  // augmentation draws from, evaluation batches pass none and are not augmented.
  torch::Tensor inputs(const Split& split, const torch::Tensor& rows, Rng* augmentation_rng = nullptr) const {
    return pipeline->inputs(split.examples, split.labels, rows, augmentation_rng);
  }
};

// A missing, unreadable or malformed data set; the message names the path and what was expected.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unas::data
