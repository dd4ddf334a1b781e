#pragma once
// Images stored as uint8 N×C×H×W: scaled to [0, 1] per batch, training batches augmented.
#include "data/augmentation.h"
#include "data/input_pipeline.h"

namespace unas::data {

class ImagePipeline : public InputPipeline {
 public:
  explicit ImagePipeline(Augmentation augmentation) : augmentation_(augmentation) {}

  torch::Tensor inputs(const torch::Tensor& examples, const torch::Tensor& labels, const torch::Tensor& rows,
                       Rng* rng) const override;
  nlohmann::ordered_json describe() const override;

  const Augmentation& augmentation() const { return augmentation_; }

 private:
  Augmentation augmentation_;
};

}  // namespace unas::data
