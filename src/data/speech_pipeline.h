#pragma once
// Speech clips to MFCC model inputs (frames × coefficients × 1). Training rows are int16 clips,
// mixed with background noise and shifted per batch before their features are computed;
// validation and test rows are features computed once when the data set is loaded.
#include <memory>
#include <vector>

#include "data/input_pipeline.h"
#include "data/mfcc.h"
#include "data/speech_augmentation.h"

namespace unas::data {

class SpeechPipeline : public InputPipeline {
 public:
  // `background`: 1-D int16 noise recordings, each longer than a clip; `silence_label`: the class
  // whose examples are background noise only.
  SpeechPipeline(std::vector<torch::Tensor> background, SpeechAugmentation training, const MfccSettings& mfcc,
                 std::int64_t silence_label);

  // int16 N×S rows are clips: mixed (with the training augmentation when `rng` is given), then
  // turned into features. Float rows are features already and are returned as they are.
  torch::Tensor inputs(const torch::Tensor& examples, const torch::Tensor& labels, const torch::Tensor& rows,
                       Rng* rng) const override;
  nlohmann::ordered_json describe() const override;

  // Float N×1×frames×coefficients features of int16 N×S clips, mixed without training
  // augmentation: only the silence examples draw their background noise, from `rng`. For the
  // validation and test splits, whose features are computed once.
  torch::Tensor features(const torch::Tensor& clips, const torch::Tensor& labels, Rng& rng) const;

 private:
  torch::Tensor features_of(const torch::Tensor& clips, const torch::Tensor& labels, const SpeechAugmentation& a,
                            Rng& rng) const;

  std::vector<torch::Tensor> background_;
  SpeechAugmentation training_;
  std::unique_ptr<Mfcc> mfcc_;
  std::int64_t silence_label_;
};

}  // namespace unas::data
