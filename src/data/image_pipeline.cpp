#include "data/image_pipeline.h"

#include <torch/torch.h>

namespace unas::data {

torch::Tensor ImagePipeline::inputs(const torch::Tensor& examples, const torch::Tensor& /*labels*/,
                                    const torch::Tensor& rows, Rng* rng) const {
  torch::Tensor x = examples.index_select(0, rows).to(torch::kFloat32).div_(255.0f);
  if (rng != nullptr && augmentation_.any()) x = augment(x, augmentation_, *rng);
  return x;
}

nlohmann::ordered_json ImagePipeline::describe() const {
  const Augmentation& a = augmentation_;
  return {{"scaling", "uint8 pixels / 255"},
          {"augmentation",
           {{"shift", {a.shift_height, a.shift_width}},
            {"rotation_radians", a.rotation_radians},
            {"rotation_probability", a.rotation_probability},
            {"flip_left_right", a.flip_left_right}}}};
}

}  // namespace unas::data
