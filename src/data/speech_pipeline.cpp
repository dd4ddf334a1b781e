#include "data/speech_pipeline.h"

#include <torch/torch.h>

namespace unas::data {

SpeechPipeline::SpeechPipeline(std::vector<torch::Tensor> background, SpeechAugmentation training,
                               const MfccSettings& mfcc, std::int64_t silence_label)
    : background_(std::move(background)),
      training_(training),
      mfcc_(std::make_unique<Mfcc>(mfcc)),
      silence_label_(silence_label) {
  for (torch::Tensor& b : background_) b = b.to(torch::kInt16).contiguous();
}

torch::Tensor SpeechPipeline::features_of(const torch::Tensor& clips, const torch::Tensor& labels,
                                          const SpeechAugmentation& a, Rng& rng) const {
  return (*mfcc_)(mix_clips(clips, labels.eq(silence_label_), background_, a, rng)).unsqueeze(1);
}

torch::Tensor SpeechPipeline::inputs(const torch::Tensor& examples, const torch::Tensor& labels,
                                     const torch::Tensor& rows, Rng* rng) const {
  if (examples.scalar_type() == torch::kFloat32) return examples.index_select(0, rows);
  // Raw clips are evaluated only outside training (the trainer's evaluation splits hold
  // features): their silence examples draw background noise from a fixed stream, to repeat.
  Rng fixed(0);
  return features_of(examples.index_select(0, rows), labels.index_select(0, rows),
                     rng ? training_ : SpeechAugmentation{}, rng ? *rng : fixed);
}

torch::Tensor SpeechPipeline::features(const torch::Tensor& clips, const torch::Tensor& labels, Rng& rng) const {
  return features_of(clips, labels, SpeechAugmentation{}, rng);
}

nlohmann::ordered_json SpeechPipeline::describe() const {
  const MfccSettings& m = mfcc_->settings();
  const auto ms = [&](int samples) { return 1000.0 * samples / m.sample_rate; };
  return {{"features", "MFCC"},
          {"window_ms", ms(m.window_samples)},
          {"stride_ms", ms(m.stride_samples)},
          {"fft_length", mfcc_->fft_length()},
          {"mel_hz", {m.lower_hz, m.upper_hz}},
          {"filterbank_channels", m.filterbank_channels},
          {"coefficients", m.coefficients},
          {"background_files", background_.size()},
          {"augmentation",
           {{"time_shift_ms", ms(training_.time_shift_samples)},
            {"background_frequency", training_.background_frequency},
            {"background_volume", training_.background_volume}}}};
}

}  // namespace unas::data
