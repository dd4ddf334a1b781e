#include "data/augmentation.h"

#include <torch/torch.h>

#include <cmath>

namespace unas::data {

namespace {

namespace F = torch::nn::functional;

// Index of source pixel for output pixel i of a length-n axis shifted by `shift`, reflecting
// at the borders with the edge pixel repeated (TensorFlow's "SYMMETRIC" padding).
std::int64_t symmetric(std::int64_t i, std::int64_t n) {
  const std::int64_t period = 2 * n;
  std::int64_t j = ((i % period) + period) % period;
  return j < n ? j : period - 1 - j;
}

torch::Tensor shift_indices(std::int64_t n, std::int64_t shift) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = symmetric(i - shift, n);
  return torch::tensor(idx, torch::kInt64);
}

}  // namespace

torch::Tensor augment(const torch::Tensor& batch, const Augmentation& a, Rng& rng) {
  torch::Tensor x = batch.clone();
  const std::int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  for (std::int64_t i = 0; i < n; ++i) {
    torch::Tensor sample = x[i];
    if (a.flip_left_right && rng.bernoulli(0.5)) sample = sample.flip({2});
    if (a.shift_height > 0 || a.shift_width > 0) {
      const auto dy = rng.uniform_int(-a.shift_height, a.shift_height);
      const auto dx = rng.uniform_int(-a.shift_width, a.shift_width);
      if (dy != 0) sample = sample.index_select(1, shift_indices(h, dy));
      if (dx != 0) sample = sample.index_select(2, shift_indices(w, dx));
    }
    if (a.rotation_probability > 0.0 && rng.bernoulli(a.rotation_probability)) {
      const double angle = rng.uniform(-a.rotation_radians, a.rotation_radians);
      // Rotation about the centre in pixel space, written in the [-1, 1] coordinates of
      // affine_grid (x scaled by w/2, y by h/2); the grid maps output to input positions.
      const double c = std::cos(angle), s = std::sin(angle), hw = double(h) / double(w);
      const torch::Tensor theta = torch::tensor({{c, -s * hw, 0.0}, {s / hw, c, 0.0}}, x.options()).unsqueeze(0);
      const torch::Tensor grid = F::affine_grid(theta, {1, x.size(1), h, w}, false);
      sample = F::grid_sample(sample.unsqueeze(0), grid,
                              F::GridSampleFuncOptions().mode(torch::kNearest).padding_mode(torch::kZeros).align_corners(false))
                   .squeeze(0);
    }
    x[i].copy_(sample);
  }
  return x;
}

}  // namespace unas::data
