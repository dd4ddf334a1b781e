#include "data/speech_augmentation.h"

#include <torch/torch.h>

#include <algorithm>

namespace unas::data {

namespace {

constexpr float kInt16Scale = 1.0f / 32768.0f;  // what tf.audio.decode_wav divides by

struct Draw {
  std::int64_t shift = 0;
  const std::int16_t* noise = nullptr;  // S samples of one background file
  float volume = 0.0f;
};

// The draws of one clip, in the order the authors' code makes them (tf.random.uniform's integer
// ranges exclude their upper end).
Draw draw(bool silence, std::int64_t samples, const std::vector<torch::Tensor>& background, const SpeechAugmentation& a,
          Rng& rng) {
  Draw d;
  if (a.time_shift_samples > 0) d.shift = rng.uniform_int(-a.time_shift_samples, a.time_shift_samples - 1);
  const bool mix = !background.empty() && (a.background_frequency > 0.0 || silence);
  if (!mix) return d;
  const torch::Tensor& file = background[rng.index(background.size())];
  d.noise = file.data_ptr<std::int16_t>() + rng.uniform_int(0, file.size(0) - samples - 1);
  if (silence)
    d.volume = static_cast<float>(rng.uniform01());
  else if (rng.uniform01() < a.background_frequency)
    d.volume = static_cast<float>(rng.uniform(0.0, a.background_volume));
  return d;
}

}  // namespace

torch::Tensor mix_clips(const torch::Tensor& clips, const torch::Tensor& silence,
                        const std::vector<torch::Tensor>& background, const SpeechAugmentation& augmentation,
                        Rng& rng) {
  const torch::Tensor in = clips.to(torch::kInt16).contiguous();
  const torch::Tensor muted = silence.to(torch::kBool).contiguous();
  const std::int64_t n = in.size(0), samples = in.size(1);
  torch::Tensor out = torch::empty({n, samples}, torch::kFloat32);
  for (std::int64_t i = 0; i < n; ++i) {
    const bool is_silence = muted.data_ptr<bool>()[i];
    const Draw d = draw(is_silence, samples, background, augmentation, rng);
    const std::int16_t* clip = in.data_ptr<std::int16_t>() + i * samples;
    float* mixed = out.data_ptr<float>() + i * samples;
    for (std::int64_t t = 0; t < samples; ++t) {
      const std::int64_t source = t - d.shift;
      float x = is_silence || source < 0 || source >= samples ? 0.0f : clip[source] * kInt16Scale;
      if (d.noise != nullptr) x += d.noise[t] * kInt16Scale * d.volume;
      mixed[t] = std::clamp(x, -1.0f, 1.0f);
    }
  }
  return out;
}

}  // namespace unas::data
