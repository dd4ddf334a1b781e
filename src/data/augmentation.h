#pragma once
// Training-time augmentation as the authors' configs use it: a random shift of up to
// (shift_height, shift_width) pixels with symmetric padding, a random rotation within
// ±rotation_radians applied with probability rotation_probability (nearest neighbour, zero
// fill), and a random left/right flip with probability 0.5.
#include <torch/types.h>

#include "common/rng.h"

namespace unas::data {

struct Augmentation {
  int shift_height = 0;
  int shift_width = 0;
  double rotation_radians = 0.0;
  double rotation_probability = 0.0;
  bool flip_left_right = false;

  bool any() const { return shift_height > 0 || shift_width > 0 || rotation_probability > 0.0 || flip_left_right; }
};

// Returns an augmented copy of a float N×C×H×W batch; every random draw comes from `rng`.
torch::Tensor augment(const torch::Tensor& batch, const Augmentation& augmentation, Rng& rng);

}  // namespace unas::data
