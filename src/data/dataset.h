#pragma once
// A classification data set held in memory: images as uint8 N×C×H×W (scaled to [0, 1] per
// batch, which keeps CIFAR-10 at 180 MB instead of 740 MB), labels as int64 class indices.
#include <torch/types.h>

#include <stdexcept>
#include <string>

#include "data/augmentation.h"
#include "resources/layer_graph.h"

namespace unas::data {

struct Split {
  torch::Tensor images;  // uint8, N×C×H×W
  torch::Tensor labels;  // int64, N

  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct Dataset {
  std::string name;
  Split train, validation, test;
  int num_classes = 0;
  resources::TensorShape input;  // H×W×C of one image
  Augmentation augmentation;     // applied to training batches only
};

// A missing, unreadable or malformed data set; the message names the path and what was expected.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unas::data
