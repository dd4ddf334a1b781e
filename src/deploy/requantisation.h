#pragma once
// Host-side quantisation arithmetic for the int8 export: how float scales become the
// fixed-point multipliers the C kernels in runtime/unas_int8.h use, how activation ranges
// become (scale, zero point), and how float weights and biases become int8 and int32.
// Everything follows TFLite's conventions so that an exported model quantises like a TFLite
// model would.
#include <cstdint>
#include <vector>

namespace unas::deploy {

// A real multiplier M in fixed point: M = multiplier * 2^(shift - 31), multiplier in
// [2^30, 2^31) (or 0 for M = 0), shift in [-31, 30]. The kernels' shift arguments take `shift`.
struct FixedPointMultiplier {
  std::int32_t multiplier = 0;
  int shift = 0;
};

// TFLite's QuantizeMultiplier: frexp into [0.5, 1) * 2^shift, mantissa rounded to 31 bits; a
// mantissa that rounds up to 2^31 becomes 2^30 with the shift raised by one, and multipliers
// below 2^-32 (shift < -31) become exactly zero. Throws std::invalid_argument for a negative
// or non-finite `real` and std::domain_error for one of 2^30 or more (shift > 30).
FixedPointMultiplier quantize_multiplier(double real);

// Per-tensor asymmetric int8 quantisation: real = scale * (q - zero_point).
struct QuantParams {
  double scale = 1.0;
  std::int32_t zero_point = 0;
};

// TFLite's ChooseQuantizationParams for int8: the range is widened to include 0, scale =
// (max - min) / 255, and the zero point, taken from whichever end has the smaller rounding
// error, is rounded (half away from zero) and nudged into [-128, 127] so that real 0 is exactly
// representable. A range that is exactly {0} (e.g. a dead ReLU) gets scale 1, zero point 0
// instead of TFLite's unusable scale 0. Throws std::invalid_argument for non-finite bounds or
// min > max.
QuantParams asymmetric_params(float min, float max);

// round(x / scale) + zero_point (rounding half away from zero, like TFLite), clamped to int8.
// NaN maps to the zero point.
std::int8_t quantize(float x, QuantParams p);
float dequantize(std::int8_t q, QuantParams p);

// The int8 range a fused activation allows: ReLU clamps at the zero point (real 0).
struct ActivationRange {
  std::int32_t min = -128;
  std::int32_t max = 127;
};
ActivationRange activation_range(bool relu, QuantParams output);

// Per-channel symmetric weight quantisation, channel-major layout: `w` holds `channels` runs
// of `per_channel` values (Conv2D [out][k][k][in], Dense [out][n]). scales[c] = max|w_c| / 127
// and q = round(w / scale) in [-127, 127]; an all-zero channel gets scale 1 and zero weights,
// which keeps its bias scale and requantisation multiplier finite. `scales` is overwritten.
std::vector<std::int8_t> quantize_per_channel(const float* w, int channels, std::int64_t per_channel,
                                              std::vector<float>& scales);

// The same with the channel as the fastest-varying index: `w` holds `positions` runs of
// `channels` values, channel c at w[p * channels + c] (DepthwiseConv2D [k][k][c]).
std::vector<std::int8_t> quantize_per_channel_last(const float* w, std::int64_t positions, int channels,
                                                   std::vector<float>& scales);

// int32 biases with scale input_scale * weight_scales[c], rounded half away from zero and
// saturated to the int32 range.
std::vector<std::int32_t> quantize_bias(const float* bias, int channels, double input_scale,
                                        const std::vector<float>& weight_scales);

// The per-channel requantisation of a convolution or dense layer:
// input_scale * weight_scales[c] / output_scale for every channel.
std::vector<FixedPointMultiplier> channel_multipliers(double input_scale, const std::vector<float>& weight_scales,
                                                      double output_scale);

// Requantisation of an N-input Add in TFLite's convention: with m = 2 * max(input_scales),
// input i is rescaled by input_scales[i] / m and the sum by m / (2^left_shift * output_scale).
// Each rescaled term then stays below 2^(left_shift + 7) in magnitude.
struct AddRequantisation {
  int left_shift = 20;
  std::vector<FixedPointMultiplier> inputs;
  FixedPointMultiplier output;
};
AddRequantisation add_requantisation(const std::vector<double>& input_scales, double output_scale, int left_shift = 20);

}  // namespace unas::deploy
