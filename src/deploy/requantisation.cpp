#include "deploy/requantisation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace unas::deploy {

namespace {

// Rounds half away from zero and saturates into [lo, hi]; the clamp happens in double so that
// huge or infinite values never reach an out-of-range integer conversion (undefined behaviour).
std::int64_t round_clamped(double v, double lo, double hi) {
  return static_cast<std::int64_t>(std::clamp(std::round(v), lo, hi));
}

std::int8_t quantize_symmetric(float w, float scale) {
  return static_cast<std::int8_t>(round_clamped(static_cast<double>(w) / static_cast<double>(scale), -127.0, 127.0));
}

// max|w| / 127, or 1 for an all-zero channel: any positive scale represents zeros exactly, and
// 1 keeps bias quantisation (bias / (input_scale * scale)) and the requantisation multiplier
// (input_scale * scale / output_scale) in range where a tiny scale could overflow them.
float symmetric_scale(float max_abs) { return max_abs > 0.0f ? max_abs / 127.0f : 1.0f; }

void check_sizes(int channels, std::int64_t count, const char* what) {
  if (channels < 0 || count < 0) throw std::invalid_argument(std::string(what) + ": negative size");
}

}  // namespace

FixedPointMultiplier quantize_multiplier(double real) {
  if (!std::isfinite(real) || real < 0.0)
    throw std::invalid_argument("quantize_multiplier: multiplier must be finite and non-negative, got " +
                                std::to_string(real));
  if (real == 0.0) return {0, 0};
  int shift = 0;
  const double mantissa = std::frexp(real, &shift);  // real = mantissa * 2^shift, mantissa in [0.5, 1)
  auto fixed = static_cast<std::int64_t>(std::round(mantissa * static_cast<double>(std::int64_t{1} << 31)));
  // A mantissa just below 1 can round up to 2^31, which does not fit; 2^30 * 2^(shift+1) is the
  // same value.
  if (fixed == (std::int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  // Below 2^-32 every product rounds to zero anyway; an exact zero avoids right shifts past 31.
  if (shift < -31) return {0, 0};
  if (shift > 30)
    throw std::domain_error("quantize_multiplier: multiplier " + std::to_string(real) + " is too large (>= 2^30)");
  return {static_cast<std::int32_t>(fixed), shift};
}

QuantParams asymmetric_params(float min, float max) {
  if (!std::isfinite(min) || !std::isfinite(max) || min > max)
    throw std::invalid_argument("asymmetric_params: invalid range [" + std::to_string(min) + ", " +
                                std::to_string(max) + "]");
  // Real zero must be representable exactly (zero padding, ReLU), so the range includes it.
  const double rmin = std::min(static_cast<double>(min), 0.0);
  const double rmax = std::max(static_cast<double>(max), 0.0);
  if (rmin == rmax) return {1.0, 0};
  constexpr double qmin = -128.0, qmax = 127.0;
  const double scale = (rmax - rmin) / (qmax - qmin);
  // TFLite derives the zero point from both ends and keeps the one with the smaller error.
  const double from_min = qmin - rmin / scale;
  const double from_max = qmax - rmax / scale;
  const double error_min = std::abs(qmin) + std::abs(rmin / scale);
  const double error_max = std::abs(qmax) + std::abs(rmax / scale);
  const double zero_point = error_min < error_max ? from_min : from_max;
  return {scale, static_cast<std::int32_t>(round_clamped(zero_point, qmin, qmax))};
}

std::int8_t quantize(float x, QuantParams p) {
  if (std::isnan(x)) return static_cast<std::int8_t>(p.zero_point);
  // TFLite rounds x / scale on its own and then adds the zero point; rounding the sum instead
  // would move negative ties (-0.5 + zp) the other way.
  return static_cast<std::int8_t>(
      std::clamp(std::round(static_cast<double>(x) / p.scale) + p.zero_point, -128.0, 127.0));
}

float dequantize(std::int8_t q, QuantParams p) {
  return static_cast<float>(p.scale * static_cast<double>(std::int32_t{q} - p.zero_point));
}

ActivationRange activation_range(bool relu, QuantParams output) {
  if (!relu) return {-128, 127};
  return {std::max<std::int32_t>(-128, output.zero_point), 127};
}

std::vector<std::int8_t> quantize_per_channel(const float* w, int channels, std::int64_t per_channel,
                                              std::vector<float>& scales) {
  check_sizes(channels, per_channel, "quantize_per_channel");
  scales.assign(static_cast<std::size_t>(channels), 1.0f);
  std::vector<std::int8_t> q(static_cast<std::size_t>(channels * per_channel));
  for (int c = 0; c < channels; ++c) {
    const float* run = w + c * per_channel;
    float max_abs = 0.0f;
    for (std::int64_t j = 0; j < per_channel; ++j) max_abs = std::max(max_abs, std::abs(run[j]));
    const float scale = symmetric_scale(max_abs);
    scales[static_cast<std::size_t>(c)] = scale;
    for (std::int64_t j = 0; j < per_channel; ++j)
      q[static_cast<std::size_t>(c * per_channel + j)] = quantize_symmetric(run[j], scale);
  }
  return q;
}

std::vector<std::int8_t> quantize_per_channel_last(const float* w, std::int64_t positions, int channels,
                                                   std::vector<float>& scales) {
  check_sizes(channels, positions, "quantize_per_channel_last");
  std::vector<float> max_abs(static_cast<std::size_t>(channels), 0.0f);
  for (std::int64_t p = 0; p < positions; ++p)
    for (int c = 0; c < channels; ++c) {
      float& m = max_abs[static_cast<std::size_t>(c)];
      m = std::max(m, std::abs(w[p * channels + c]));
    }
  scales.resize(static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c)
    scales[static_cast<std::size_t>(c)] = symmetric_scale(max_abs[static_cast<std::size_t>(c)]);
  std::vector<std::int8_t> q(static_cast<std::size_t>(positions * channels));
  for (std::int64_t p = 0; p < positions; ++p)
    for (int c = 0; c < channels; ++c)
      q[static_cast<std::size_t>(p * channels + c)] =
          quantize_symmetric(w[p * channels + c], scales[static_cast<std::size_t>(c)]);
  return q;
}

std::vector<std::int32_t> quantize_bias(const float* bias, int channels, double input_scale,
                                        const std::vector<float>& weight_scales) {
  if (channels < 0 || weight_scales.size() != static_cast<std::size_t>(channels))
    throw std::invalid_argument("quantize_bias: need one weight scale per channel");
  std::vector<std::int32_t> q(static_cast<std::size_t>(channels));
  constexpr double lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
  for (int c = 0; c < channels; ++c) {
    const double scale = input_scale * static_cast<double>(weight_scales[static_cast<std::size_t>(c)]);
    q[static_cast<std::size_t>(c)] =
        static_cast<std::int32_t>(round_clamped(static_cast<double>(bias[c]) / scale, lo, hi));
  }
  return q;
}

std::vector<FixedPointMultiplier> channel_multipliers(double input_scale, const std::vector<float>& weight_scales,
                                                      double output_scale) {
  std::vector<FixedPointMultiplier> out;
  out.reserve(weight_scales.size());
  for (float ws : weight_scales)
    out.push_back(quantize_multiplier(input_scale * static_cast<double>(ws) / output_scale));
  return out;
}

AddRequantisation add_requantisation(const std::vector<double>& input_scales, double output_scale, int left_shift) {
  if (input_scales.empty()) throw std::invalid_argument("add_requantisation: no inputs");
  if (left_shift < 0 || left_shift > 30) throw std::invalid_argument("add_requantisation: left_shift out of [0, 30]");
  for (double s : input_scales)
    if (!(s > 0.0) || !std::isfinite(s))
      throw std::invalid_argument("add_requantisation: input scales must be positive");
  if (!(output_scale > 0.0) || !std::isfinite(output_scale))
    throw std::invalid_argument("add_requantisation: output scale must be positive");
  const double twice_max = 2.0 * *std::max_element(input_scales.begin(), input_scales.end());
  AddRequantisation r;
  r.left_shift = left_shift;
  for (double s : input_scales) r.inputs.push_back(quantize_multiplier(s / twice_max));
  r.output = quantize_multiplier(twice_max / (std::ldexp(1.0, left_shift) * output_scale));
  return r;
}

}  // namespace unas::deploy
