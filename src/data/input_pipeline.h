#pragma once
// How the raw rows of a data set become model inputs: images are scaled to [0, 1] and augmented,
// speech is mixed with noise, shifted and turned into MFCC features. The trainer sees only this.
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include "common/rng.h"

namespace unas::data {

class InputPipeline {
 public:
  virtual ~InputPipeline() = default;

  // Float N×C×H×W inputs for `rows` (int64 indices) of a split's `examples` and `labels`. With
  // `rng` the batch is a training batch: it is augmented, every random draw taken from `rng`.
  virtual torch::Tensor inputs(const torch::Tensor& examples, const torch::Tensor& labels, const torch::Tensor& rows,
                               Rng* rng) const = 0;

  // What the pipeline does, for `unas data info`.
  virtual nlohmann::ordered_json describe() const = 0;
};

}  // namespace unas::data
