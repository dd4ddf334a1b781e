#pragma once
// How the authors' Speech Commands pipeline (TensorFlow's speech_commands example) mixes a clip
// before its features are computed: the clip is shifted in time by up to ±time_shift_samples
// (zero fill), and a random stretch of a random background-noise file is added, with
// probability background_frequency, at a volume uniform in [0, background_volume). A silence
// example has its foreground muted and the background at a volume uniform in [0, 1), in every
// split. The sum is clamped to [-1, 1].
#include <torch/types.h>

#include <vector>

#include "common/rng.h"

namespace unas::data {

struct SpeechAugmentation {
  int time_shift_samples = 0;
  double background_frequency = 0.0;
  double background_volume = 0.0;
};

// Float N×S mixed clips from int16 N×S `clips`; `silence` (bool, N) marks the silence examples.
// `background` holds 1-D int16 noise recordings, each longer than S. Every draw comes from `rng`,
// in the order of the rows.
torch::Tensor mix_clips(const torch::Tensor& clips, const torch::Tensor& silence,
                        const std::vector<torch::Tensor>& background, const SpeechAugmentation& augmentation, Rng& rng);

}  // namespace unas::data
