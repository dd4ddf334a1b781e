// The int8 C kernels against float references, and the fixed-point primitives against exact
// values. Each operator test quantises random float data with requantisation.h, runs the kernel,
// and checks every output against a plain-loop float reference computed from the dequantised
// inputs: within one output quantisation step, after clamping the reference to what the output
// can represent.
//
// Layers with weights are checked twice. Against the reference with the dequantised weights
// (q * scale), only the kernel's own arithmetic separates the two, and one step must hold.
// Against the reference with the float weights, int8 weight rounding adds an error the kernel
// cannot avoid (on random data up to about a third of a step in these tests); there the
// tolerance is one step plus that error's exact bound for the output, sum |x| * |w - q * scale|.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "deploy/requantisation.h"

extern "C" {
#include "deploy/runtime/unas_int8.h"
}

namespace unas::deploy {
namespace {

constexpr std::int32_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// ---- Literal gemmlowp / TFLite transcriptions, for exact comparison --------------------------
// These use `>>` on negative values as gemmlowp does; that is an arithmetic shift on GCC and
// Clang for every target we build on, which is exactly the assumption the C kernels avoid.

std::int32_t gemmlowp_srdhm(std::int32_t a, std::int32_t b) {
  const bool overflow = a == b && a == kInt32Min;
  const std::int64_t ab = std::int64_t{a} * std::int64_t{b};
  const std::int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const auto high = static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
  return overflow ? kInt32Max : high;
}

std::int32_t gemmlowp_rdbpot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

std::int32_t tflite_mbqm(std::int32_t x, std::int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return gemmlowp_rdbpot(gemmlowp_srdhm(x * (1 << left), multiplier), right);
}

// ---- Fixed-point primitives -------------------------------------------------------------------

TEST(FixedPoint, SaturatingRoundingDoublingHighMulKnownValues) {
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(kInt32Min, kInt32Min), kInt32Max);  // the one overflow
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(kInt32Max, kInt32Max), 2147483646);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(kInt32Min, kInt32Max), -2147483647);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(kInt32Min, 1 << 30), -(1 << 30));
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(0, kInt32Min), 0);
  // Halves (a * 2^30 / 2^31 = a / 2) round towards +infinity: 0.5 -> 1, -0.5 -> 0, -1.5 -> -1.
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(1, 1 << 30), 1);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
  EXPECT_EQ(unas_saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);
}

TEST(FixedPoint, RoundingDivideByPotKnownValues) {
  // Ties round away from zero.
  EXPECT_EQ(unas_rounding_divide_by_pot(5, 1), 3);
  EXPECT_EQ(unas_rounding_divide_by_pot(-5, 1), -3);
  EXPECT_EQ(unas_rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(unas_rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(unas_rounding_divide_by_pot(-1, 1), -1);
  EXPECT_EQ(unas_rounding_divide_by_pot(1, 1), 1);
  EXPECT_EQ(unas_rounding_divide_by_pot(-2, 2), -1);   // -0.5
  EXPECT_EQ(unas_rounding_divide_by_pot(-6, 2), -2);   // -1.5
  EXPECT_EQ(unas_rounding_divide_by_pot(-7, 2), -2);   // -1.75
  EXPECT_EQ(unas_rounding_divide_by_pot(-5, 2), -1);   // -1.25
  EXPECT_EQ(unas_rounding_divide_by_pot(10, 2), 3);    // 2.5
  EXPECT_EQ(unas_rounding_divide_by_pot(-10, 2), -3);  // -2.5
  EXPECT_EQ(unas_rounding_divide_by_pot(9, 2), 2);     // 2.25
  // Extremes of the value and the exponent.
  EXPECT_EQ(unas_rounding_divide_by_pot(kInt32Min, 0), kInt32Min);
  EXPECT_EQ(unas_rounding_divide_by_pot(kInt32Max, 0), kInt32Max);
  EXPECT_EQ(unas_rounding_divide_by_pot(kInt32Min, 31), -1);
  EXPECT_EQ(unas_rounding_divide_by_pot(kInt32Max, 31), 1);
  EXPECT_EQ(unas_rounding_divide_by_pot(1 << 30, 31), 1);      // exactly 0.5
  EXPECT_EQ(unas_rounding_divide_by_pot(-(1 << 30), 31), -1);  // exactly -0.5
  EXPECT_EQ(unas_rounding_divide_by_pot((1 << 30) - 1, 31), 0);
  EXPECT_EQ(unas_rounding_divide_by_pot(kInt32Min, 1), -(1 << 30));
  EXPECT_EQ(unas_rounding_divide_by_pot(kInt32Max, 1), 1 << 30);
}

TEST(FixedPoint, MultiplyByQuantizedMultiplierKnownValues) {
  auto quant_and_multiply = [](std::int32_t x, double real) {
    const FixedPointMultiplier m = quantize_multiplier(real);
    return unas_multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
  };
  // TFLite's MultiplyByQuantizedMultiplierInt32 test values.
  EXPECT_EQ(quant_and_multiply(0, 0.1), 0);
  EXPECT_EQ(quant_and_multiply(1, 0), 0);
  EXPECT_EQ(quant_and_multiply(10000, 0.00097656), 10);
  EXPECT_EQ(quant_and_multiply(-10000, 0.00097656), -10);
  EXPECT_EQ(quant_and_multiply(kInt32Min, 0.00001), -21475);
  EXPECT_EQ(quant_and_multiply(kInt32Max, 0.00001), 21475);
  // Maximum x and multiplier, shift -3: round(x * q / 2^34).
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(kInt32Max, kInt32Max, -3), 268435456);
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(-kInt32Max, kInt32Max, -3), -268435456);
  // Multiplier 1.0 (2^30, shift 1) is the identity; 0.5 (2^30, shift 0) halves with double rounding:
  // SRDHM rounds -0.5 up to 0, so -1 * 0.5 gives 0 while 1 * 0.5 gives 1.
  for (std::int32_t x : {0, 1, -1, 127, -128, 1 << 29, -(1 << 29)})
    EXPECT_EQ(unas_multiply_by_quantized_multiplier(x, 1 << 30, 1), x);
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(1, 1 << 30, 0), 1);
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(-1, 1 << 30, 0), 0);
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(-3, 1 << 30, -1), -1);  // -0.75: SRDHM -1.5 -> -1, then -0.5 -> -1
  // Where TFLite's x * 2^shift would overflow (undefined there), the kernels saturate that
  // product: multiplier 2.0 = 2^30 * 2^(2-31) then gives 2^31 * 0.5, still far outside int8 with
  // the right sign, so the int8 output saturates correctly.
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(kInt32Max, 1 << 30, 2), 1 << 30);
  EXPECT_EQ(unas_multiply_by_quantized_multiplier(kInt32Min, 1 << 30, 2), -(1 << 30));
}

TEST(FixedPoint, PrimitivesMatchGemmlowpExactly) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::int32_t> any(kInt32Min, kInt32Max);
  std::uniform_int_distribution<std::int32_t> small(-300000, 300000);
  std::uniform_int_distribution<std::int32_t> multiplier(1 << 30, kInt32Max);
  for (int n = 0; n < 200000; ++n) {
    const std::int32_t a = n % 2 ? any(rng) : small(rng), b = any(rng);
    ASSERT_EQ(unas_saturating_rounding_doubling_high_mul(a, b), gemmlowp_srdhm(a, b)) << a << " " << b;
    const int exponent = n % 32;
    ASSERT_EQ(unas_rounding_divide_by_pot(a, exponent), gemmlowp_rdbpot(a, exponent)) << a << " " << exponent;
    // TFLite's MBQM is only defined while x * 2^shift fits in 32 bits.
    const int shift = n % 62 - 31;
    std::int32_t x = a;
    if (shift > 0) x = static_cast<std::int32_t>(x / (std::int64_t{1} << shift));
    const std::int32_t m = multiplier(rng);
    ASSERT_EQ(unas_multiply_by_quantized_multiplier(x, m, shift), tflite_mbqm(x, m, shift))
        << x << " " << m << " " << shift;
  }
  // The boundary values, exhaustively across exponents.
  for (std::int32_t x : {kInt32Min, kInt32Min + 1, -3, -2, -1, 0, 1, 2, 3, kInt32Max - 1, kInt32Max})
    for (int exponent = 0; exponent <= 31; ++exponent)
      EXPECT_EQ(unas_rounding_divide_by_pot(x, exponent), gemmlowp_rdbpot(x, exponent)) << x << " " << exponent;
}

// ---- Host-side requantisation helpers ---------------------------------------------------------

std::pair<std::int32_t, int> fixed(double real) {
  const FixedPointMultiplier m = quantize_multiplier(real);
  return {m.multiplier, m.shift};
}

TEST(Requantisation, QuantizeMultiplierMatchesTflite) {
  using P = std::pair<std::int32_t, int>;
  EXPECT_EQ(fixed(0.0), P(0, 0));
  EXPECT_EQ(fixed(0.125), P(1073741824, -2));
  EXPECT_EQ(fixed(0.25), P(1073741824, -1));
  EXPECT_EQ(fixed(0.5), P(1073741824, 0));
  EXPECT_EQ(fixed(1.0), P(1073741824, 1));
  EXPECT_EQ(fixed(4.0), P(1073741824, 3));
  EXPECT_EQ(fixed(0.75), P(1610612736, 0));
  EXPECT_EQ(fixed(1.25), P(1342177280, 1));
  EXPECT_EQ(fixed(1.75), P(1879048192, 1));
  EXPECT_EQ(fixed(1 - 1e-9), P(2147483646, 0));
  EXPECT_EQ(fixed(2 - 1e-9), P(2147483647, 1));
  EXPECT_EQ(fixed(0.5 - 5e-9), P(2147483627, -1));
  // Mantissas that round up to 2^31 move to the next exponent.
  EXPECT_EQ(fixed(0.5 - 1e-10), P(1073741824, 0));
  EXPECT_EQ(fixed(2 - 1e-11), P(1073741824, 2));
  EXPECT_EQ(fixed(1 + 1e-11), P(1073741824, 1));
  // Underflow to an exact zero below 2^-32.
  EXPECT_EQ(fixed(std::ldexp(1.0, -31)), P(1073741824, -30));
  EXPECT_EQ(fixed(std::ldexp(1.0, -32)), P(1073741824, -31));
  EXPECT_EQ(fixed(std::ldexp(0.99, -32)), P(0, 0));
  EXPECT_EQ(fixed(std::ldexp(1.0, -33)), P(0, 0));
  EXPECT_THROW(quantize_multiplier(-0.5), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(std::nan("")), std::invalid_argument);
  EXPECT_THROW(quantize_multiplier(std::ldexp(1.0, 30)), std::domain_error);
  EXPECT_EQ(fixed(std::ldexp(1.0, 29)), P(1073741824, 30));
}

TEST(Requantisation, AsymmetricParamsMatchTflite) {
  // TFLite's uint8 examples, whose int8 zero points are 128 lower.
  QuantParams p = asymmetric_params(-10.0f, 30.0f);
  EXPECT_NEAR(p.scale, 0.156863, 1e-5);
  EXPECT_EQ(p.zero_point, 64 - 128);
  p = asymmetric_params(0.0f, 30.0f);
  EXPECT_NEAR(p.scale, 0.117647, 1e-5);
  EXPECT_EQ(p.zero_point, -128);
  p = asymmetric_params(-10.0f, 0.0f);
  EXPECT_NEAR(p.scale, 0.039216, 1e-5);
  EXPECT_EQ(p.zero_point, 127);
  // The range is widened to include zero.
  p = asymmetric_params(1.0f, 2.0f);
  EXPECT_DOUBLE_EQ(p.scale, 2.0 / 255.0);
  EXPECT_EQ(p.zero_point, -128);
  p = asymmetric_params(-3.0f, -1.0f);
  EXPECT_EQ(p.zero_point, 127);
  // Symmetric range: the zero point -0.5 rounds away from zero.
  p = asymmetric_params(-1.0f, 1.0f);
  EXPECT_EQ(p.zero_point, -1);
  // Real zero is always exactly representable.
  for (float lo : {-7.3f, -1.0f, -0.01f, 0.0f})
    for (float hi : {0.0f, 0.02f, 2.5f, 100.0f}) {
      if (lo == 0.0f && hi == 0.0f) continue;
      const QuantParams q = asymmetric_params(lo, hi);
      EXPECT_EQ(dequantize(quantize(0.0f, q), q), 0.0f);
      EXPECT_NEAR(dequantize(quantize(lo, q), q), lo, q.scale / 2 + 1e-6);
      EXPECT_NEAR(dequantize(quantize(hi, q), q), hi, q.scale / 2 + 1e-6);
    }
  p = asymmetric_params(0.0f, 0.0f);  // a dead layer: any positive scale will do
  EXPECT_GT(p.scale, 0.0);
  EXPECT_EQ(quantize(0.0f, p), 0);
  EXPECT_THROW(asymmetric_params(2.0f, 1.0f), std::invalid_argument);
}

TEST(Requantisation, QuantizeRoundsHalfAwayFromZeroAndSaturates) {
  const QuantParams p{0.5, 3};
  EXPECT_EQ(quantize(0.25f, p), 4);   // 0.5 -> 1
  EXPECT_EQ(quantize(-0.25f, p), 2);  // -0.5 -> -1
  EXPECT_EQ(quantize(-0.75f, p), 1);  // -1.5 -> -2
  EXPECT_EQ(quantize(1000.0f, p), 127);
  EXPECT_EQ(quantize(-1000.0f, p), -128);
  EXPECT_EQ(quantize(std::numeric_limits<float>::infinity(), p), 127);
  EXPECT_EQ(quantize(std::nanf(""), p), 3);
  EXPECT_FLOAT_EQ(dequantize(-128, p), -65.5f);
}

TEST(Requantisation, PerChannelWeights) {
  // Two channels of three values plus an all-zero channel.
  const std::vector<float> w = {0.6f, -1.0f, 0.25f, 0.0f, 0.0f, 0.0f, 3.0f, -0.3f, 1.6f};
  std::vector<float> scales;
  const std::vector<std::int8_t> q = quantize_per_channel(w.data(), 3, 3, scales);
  ASSERT_EQ(scales.size(), 3u);
  EXPECT_FLOAT_EQ(scales[0], 1.0f / 127.0f);
  EXPECT_FLOAT_EQ(scales[1], 1.0f);
  EXPECT_FLOAT_EQ(scales[2], 3.0f / 127.0f);
  EXPECT_EQ(q, (std::vector<std::int8_t>{76, -127, 32, 0, 0, 0, 127, -13, 68}));
  // The same weights with the channel last give the same values, transposed.
  std::vector<float> transposed(9);
  for (int c = 0; c < 3; ++c)
    for (int j = 0; j < 3; ++j)
      transposed[static_cast<std::size_t>(j * 3 + c)] = w[static_cast<std::size_t>(c * 3 + j)];
  std::vector<float> scales_last;
  const std::vector<std::int8_t> q_last = quantize_per_channel_last(transposed.data(), 3, 3, scales_last);
  EXPECT_EQ(scales_last, scales);
  for (int c = 0; c < 3; ++c)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(q_last[static_cast<std::size_t>(j * 3 + c)], q[static_cast<std::size_t>(c * 3 + j)]);
  // Biases are quantised with scale input_scale * weight_scale and saturate.
  const std::vector<float> bias = {0.1f, -0.2f, 1e9f};
  const std::vector<std::int32_t> qb = quantize_bias(bias.data(), 3, 0.01, scales);
  EXPECT_EQ(qb[0], static_cast<std::int32_t>(std::lround(0.1 / (0.01 * scales[0]))));
  EXPECT_EQ(qb[1], -20);
  EXPECT_EQ(qb[2], kInt32Max);
}

TEST(Requantisation, ActivationRange) {
  EXPECT_EQ(activation_range(false, {0.1, 5}).min, -128);
  EXPECT_EQ(activation_range(true, {0.1, 5}).min, 5);
  EXPECT_EQ(activation_range(true, {0.1, -128}).min, -128);
  EXPECT_EQ(activation_range(true, {0.1, 5}).max, 127);
}

// ---- Operator tests ---------------------------------------------------------------------------

// A quantised activation tensor and the real values it stands for.
struct QTensor {
  unas_shape shape{};
  QuantParams q;
  std::vector<std::int8_t> data;
  std::vector<double> real;  // dequantised data: what the float reference reads

  std::int8_t* ptr() { return data.data(); }
  double at(int y, int x, int c) const {
    return real[static_cast<std::size_t>((y * shape.width + x) * shape.channels + c)];
  }
};

std::size_t elements(unas_shape s) { return static_cast<std::size_t>(s.height) * s.width * s.channels; }

std::vector<float> random_floats(std::mt19937& rng, std::size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Random real values in [lo, hi], quantised with parameters calibrated on their own range.
QTensor random_tensor(std::mt19937& rng, unas_shape shape, float lo, float hi) {
  QTensor t;
  t.shape = shape;
  const std::vector<float> values = random_floats(rng, elements(shape), lo, hi);
  t.q = asymmetric_params(*std::min_element(values.begin(), values.end()),
                          *std::max_element(values.begin(), values.end()));
  for (float v : values) {
    t.data.push_back(quantize(v, t.q));
    t.real.push_back(dequantize(t.data.back(), t.q));
  }
  return t;
}

// Output parameters as a calibration pass would choose them from the reference's range, scaled
// by `range` (below 1 forces saturation at -128 / 127).
QuantParams calibrate(const std::vector<double>& reference, double range = 1.0) {
  const auto [lo, hi] = std::minmax_element(reference.begin(), reference.end());
  return asymmetric_params(static_cast<float>(*lo * range), static_cast<float>(*hi * range));
}

// Every output within one output step of the reference (the reference after the activation and
// clamped to the representable range), plus slack[i] where given. Returns the largest error in
// steps, slack not subtracted, and records it as a test property under `label`.
double expect_within_one_step(const std::vector<std::int8_t>& out, const std::vector<double>& reference, QuantParams q,
                              ActivationRange act, const std::vector<double>* slack = nullptr,
                              const std::string& label = "max_error_steps") {
  EXPECT_EQ(out.size(), reference.size());
  const double lo = dequantize(static_cast<std::int8_t>(act.min), q),
               hi = dequantize(static_cast<std::int8_t>(act.max), q);
  double worst = 0.0;
  for (std::size_t i = 0; i < out.size() && i < reference.size(); ++i) {
    const double expected = std::clamp(reference[i], lo, hi);  // clamping never widens a gap
    const double error = std::abs(static_cast<double>(dequantize(out[i], q)) - expected);
    // A hair of slack for float rounding in dequantize(), far below a step.
    const double tolerance = q.scale * (1.0 + 1e-5) + (slack ? (*slack)[i] : 0.0);
    EXPECT_LE(error, tolerance) << label << " element " << i << ": got " << dequantize(out[i], q) << ", expected "
                                << expected;
    EXPECT_GE(out[i], act.min);
    EXPECT_LE(out[i], act.max);
    worst = std::max(worst, error / q.scale);
  }
  ::testing::Test::RecordProperty(label, std::to_string(worst));
  return worst;
}

// The references of a layer with weights: with the float weights, with the dequantised weights,
// and the bound on their difference.
struct WeightedReference {
  std::vector<double> float_weights;
  std::vector<double> quantised_weights;
  std::vector<double> weight_error_bound;

  void push(double acc, double acc_q, double bound) {
    float_weights.push_back(acc);
    quantised_weights.push_back(acc_q);
    weight_error_bound.push_back(bound);
  }
  void relu() {
    for (auto* v : {&float_weights, &quantised_weights})
      for (double& x : *v) x = std::max(x, 0.0);  // 1-Lipschitz: the bound still holds
  }
};

void check_weighted(const std::vector<std::int8_t>& out, const WeightedReference& ref, QuantParams q,
                    ActivationRange act) {
  const double exact =
      expect_within_one_step(out, ref.quantised_weights, q, act, nullptr, "max_error_steps_quantised_weights");
  EXPECT_LE(exact, 0.5 + 0.05);  // final rounding plus tiny bias and multiplier rounding
  expect_within_one_step(out, ref.float_weights, q, act, &ref.weight_error_bound, "max_error_steps_float_weights");
}

std::vector<std::int32_t> multipliers_of(const std::vector<FixedPointMultiplier>& m) {
  std::vector<std::int32_t> out;
  for (const auto& f : m) out.push_back(f.multiplier);
  return out;
}
std::vector<std::int32_t> shifts_of(const std::vector<FixedPointMultiplier>& m) {
  std::vector<std::int32_t> out;
  for (const auto& f : m) out.push_back(f.shift);
  return out;
}

int ceil_div(int a, int b) { return (a + b - 1) / b; }

struct ConvCase {
  unas_shape input;
  int kernel;
  int stride;
  int out_channels;  // ignored for depthwise
  bool depthwise;
  bool relu;
  double range = 1.0;  // output range relative to the reference's
};

// Runs one convolution case; returns the number of outputs the activation clamped.
int run_conv(const ConvCase& cc, unsigned seed) {
  std::mt19937 rng(seed);
  QTensor in = random_tensor(rng, cc.input, -1.0f, 2.0f);
  const int k = cc.kernel, ic = cc.input.channels, oc = cc.depthwise ? ic : cc.out_channels;
  const unas_shape out_shape{ceil_div(cc.input.height - k + 1, cc.stride), ceil_div(cc.input.width - k + 1, cc.stride),
                             oc};
  const std::vector<float> w =
      random_floats(rng, static_cast<std::size_t>(cc.depthwise ? k * k * ic : oc * k * k * ic), -0.5f, 0.5f);
  const std::vector<float> b = random_floats(rng, static_cast<std::size_t>(oc), -0.3f, 0.3f);
  std::vector<float> w_scales;
  const std::vector<std::int8_t> wq = cc.depthwise
                                          ? quantize_per_channel_last(w.data(), k * k, ic, w_scales)
                                          : quantize_per_channel(w.data(), oc, std::int64_t{k} * k * ic, w_scales);

  // Float references on the dequantised input.
  WeightedReference ref;
  for (int oy = 0; oy < out_shape.height; ++oy)
    for (int ox = 0; ox < out_shape.width; ++ox)
      for (int o = 0; o < oc; ++o) {
        double acc = b[static_cast<std::size_t>(o)], acc_q = acc, bound = 0.0;
        auto term = [&](double x, std::size_t wi, int channel) {
          const double wd = w[wi], wr = wq[wi] * static_cast<double>(w_scales[static_cast<std::size_t>(channel)]);
          acc += x * wd;
          acc_q += x * wr;
          bound += std::abs(x) * std::abs(wd - wr);
        };
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const int y = oy * cc.stride + ky, x = ox * cc.stride + kx;
            if (cc.depthwise) {
              term(in.at(y, x, o), static_cast<std::size_t>((ky * k + kx) * ic + o), o);
            } else {
              for (int c = 0; c < ic; ++c)
                term(in.at(y, x, c), static_cast<std::size_t>(((o * k + ky) * k + kx) * ic + c), o);
            }
          }
        ref.push(acc, acc_q, bound);
      }
  // With ReLU the output is calibrated on the pre-activation range, so the zero point sits inside
  // the int8 range and the clamp at real zero is exercised.
  const QuantParams out_q = calibrate(ref.float_weights, cc.range);
  if (cc.relu) ref.relu();

  const std::vector<std::int32_t> bq = quantize_bias(b.data(), oc, in.q.scale, w_scales);
  const auto fx = channel_multipliers(in.q.scale, w_scales, out_q.scale);
  const std::vector<std::int32_t> mult = multipliers_of(fx), shift = shifts_of(fx);
  const ActivationRange act = activation_range(cc.relu, out_q);

  const unas_conv_params params{cc.input,        out_shape,        k,         cc.stride,
                                in.q.zero_point, wq.data(),        bq.data(), mult.data(),
                                shift.data(),    out_q.zero_point, act.min,   act.max};
  std::vector<std::int8_t> out(elements(out_shape), 99);
  if (cc.depthwise)
    unas_depthwise_conv2d(&params, in.ptr(), out.data());
  else
    unas_conv2d(&params, in.ptr(), out.data());
  check_weighted(out, ref, out_q, act);
  return static_cast<int>(
      std::count_if(out.begin(), out.end(), [&](std::int8_t v) { return v == act.min || v == act.max; }));
}

TEST(Int8Kernels, Conv2DStrideOneSquare) { run_conv({{8, 8, 3}, 3, 1, 8, false, false}, 1); }

TEST(Int8Kernels, Conv2DStrideTwoOddSizes) {
  // 11x9 input, 3x3 kernel, stride 2: ceil(9/2) x ceil(7/2) = 5x4; and a 4x4 kernel on 9x7.
  run_conv({{11, 9, 5}, 3, 2, 7, false, false}, 2);
  run_conv({{9, 7, 3}, 4, 2, 6, false, false}, 3);
  run_conv({{10, 10, 2}, 3, 3, 4, false, false}, 4);  // stride 3: 8 positions -> 3
}

TEST(Int8Kernels, Conv2DOneByOneAndFullKernel) {
  run_conv({{5, 6, 16}, 1, 1, 9, false, false}, 5);
  run_conv({{5, 5, 4}, 5, 1, 3, false, false}, 6);  // the kernel covers the whole input: 1x1 output
}

TEST(Int8Kernels, Conv2DReluClamps) {
  const int clamped = run_conv({{9, 9, 4}, 3, 1, 6, false, true}, 8);
  EXPECT_GT(clamped, 0);  // the ReLU actually cut something
}

TEST(Int8Kernels, Conv2DSaturatesANarrowOutputRange) {
  const int clamped = run_conv({{7, 7, 3}, 3, 1, 5, false, false, 0.5}, 9);
  EXPECT_GT(clamped, 0);
}

TEST(Int8Kernels, DepthwiseConv2D) {
  run_conv({{9, 9, 6}, 3, 1, 0, true, false}, 10);
  run_conv({{11, 8, 5}, 3, 2, 0, true, false}, 11);
  run_conv({{7, 7, 3}, 5, 2, 0, true, false}, 12);
}

TEST(Int8Kernels, DepthwiseConv2DRelu) { EXPECT_GT(run_conv({{8, 8, 4}, 3, 1, 0, true, true}, 13), 0); }

void run_dense(unas_shape input_shape, int outputs, bool relu, unsigned seed) {
  std::mt19937 rng(seed);
  QTensor in = random_tensor(rng, input_shape, -2.0f, 1.0f);
  const int n = static_cast<int>(elements(input_shape));
  const std::vector<float> w = random_floats(rng, static_cast<std::size_t>(outputs * n), -0.2f, 0.2f);
  const std::vector<float> b = random_floats(rng, static_cast<std::size_t>(outputs), -0.5f, 0.5f);
  std::vector<float> w_scales;
  const std::vector<std::int8_t> wq = quantize_per_channel(w.data(), outputs, n, w_scales);
  // The reference walks the 3-D input explicitly: weight column j of output o belongs to the
  // input element at (y, x, c) with j = (y * width + x) * channels + c (HWC flattening).
  WeightedReference ref;
  for (int o = 0; o < outputs; ++o) {
    double acc = b[static_cast<std::size_t>(o)], acc_q = acc, bound = 0.0;
    for (int y = 0; y < input_shape.height; ++y)
      for (int x = 0; x < input_shape.width; ++x)
        for (int c = 0; c < input_shape.channels; ++c) {
          const auto wi = static_cast<std::size_t>(o * n + (y * input_shape.width + x) * input_shape.channels + c);
          const double wd = w[wi], wr = wq[wi] * static_cast<double>(w_scales[static_cast<std::size_t>(o)]);
          acc += in.at(y, x, c) * wd;
          acc_q += in.at(y, x, c) * wr;
          bound += std::abs(in.at(y, x, c)) * std::abs(wd - wr);
        }
    ref.push(acc, acc_q, bound);
  }
  const QuantParams out_q = calibrate(ref.float_weights);
  if (relu) ref.relu();

  const std::vector<std::int32_t> bq = quantize_bias(b.data(), outputs, in.q.scale, w_scales);
  const auto fx = channel_multipliers(in.q.scale, w_scales, out_q.scale);
  const std::vector<std::int32_t> mult = multipliers_of(fx), shift = shifts_of(fx);
  const ActivationRange act = activation_range(relu, out_q);
  const unas_dense_params params{n,           outputs,      in.q.zero_point,  wq.data(), bq.data(),
                                 mult.data(), shift.data(), out_q.zero_point, act.min,   act.max};
  std::vector<std::int8_t> out(static_cast<std::size_t>(outputs), 99);
  unas_dense(&params, in.ptr(), out.data());
  check_weighted(out, ref, out_q, act);
}

TEST(Int8Kernels, DenseOverThreeDimensionalInput) {
  run_dense({3, 5, 7}, 10, false, 20);
  run_dense({1, 1, 40}, 25, false, 21);
}

TEST(Int8Kernels, DenseRelu) { run_dense({4, 3, 5}, 30, true, 22); }

TEST(Int8Kernels, DenseWithoutBias) {
  std::mt19937 rng(23);
  QTensor in = random_tensor(rng, {2, 2, 3}, -1.0f, 1.0f);
  const std::vector<std::int8_t> w = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12};
  const std::int32_t mult = 1 << 30, shift = 1;  // multiplier 1: the raw accumulator
  const unas_dense_params params{12, 1, in.q.zero_point, w.data(), nullptr, &mult, &shift, 0, -128, 127};
  std::int8_t out = 0;
  unas_dense(&params, in.ptr(), &out);
  std::int32_t acc = 0;
  for (int j = 0; j < 12; ++j)
    acc += (in.data[static_cast<std::size_t>(j)] - in.q.zero_point) * w[static_cast<std::size_t>(j)];
  EXPECT_EQ(out, std::clamp(acc, -128, 127));
}

// Pooling reference: every input pixel belongs to output (y / ph, x / pw), which is what ceil
// mode with stride = window means; partial windows simply collect fewer pixels.
void run_pool(unas_shape input_shape, int ph, int pw, bool average, unsigned seed) {
  std::mt19937 rng(seed);
  QTensor in = random_tensor(rng, input_shape, -1.5f, 1.0f);
  const int c = input_shape.channels;
  const unas_shape out_shape{ceil_div(input_shape.height, ph), ceil_div(input_shape.width, pw), c};
  std::vector<double> best(elements(out_shape), -1e30), sum(elements(out_shape), 0.0), count(elements(out_shape), 0.0);
  for (int y = 0; y < input_shape.height; ++y)
    for (int x = 0; x < input_shape.width; ++x)
      for (int ch = 0; ch < c; ++ch) {
        const std::size_t o = static_cast<std::size_t>(((y / ph) * out_shape.width + x / pw) * c + ch);
        best[o] = std::max(best[o], in.at(y, x, ch));
        sum[o] += in.at(y, x, ch);
        count[o] += 1.0;
      }
  std::vector<double> reference(elements(out_shape));
  for (std::size_t o = 0; o < reference.size(); ++o) reference[o] = average ? sum[o] / count[o] : best[o];

  const unas_pool_params params{input_shape, out_shape, ph, pw, -128, 127};
  std::vector<std::int8_t> out(elements(out_shape), 99);
  if (average)
    unas_avg_pool(&params, in.ptr(), out.data());
  else
    unas_max_pool(&params, in.ptr(), out.data());
  // Input and output share quantisation.
  const double worst = expect_within_one_step(out, reference, in.q, {-128, 127});
  if (average)
    EXPECT_LE(worst, 0.5 + 1e-4);  // only the final rounding (and float rounding in dequantize)
  else
    EXPECT_EQ(worst, 0.0);  // a maximum of representable values is representable
}

TEST(Int8Kernels, MaxPoolPartialWindows) {
  run_pool({7, 5, 3}, 2, 2, false, 30);  // 4x3, last row and column partial
  run_pool({8, 7, 4}, 3, 3, false, 31);  // 3x3, partial windows of 2 and 1
  run_pool({5, 9, 2}, 1, 4, false, 32);  // a non-square window
  run_pool({6, 6, 3}, 2, 2, false, 33);  // no partial window
}

TEST(Int8Kernels, AvgPoolPartialWindows) {
  run_pool({7, 5, 3}, 2, 2, true, 40);
  run_pool({8, 7, 4}, 3, 3, true, 41);
  run_pool({5, 9, 2}, 1, 4, true, 42);
  run_pool({10, 10, 2}, 4, 4, true, 43);
}

TEST(Int8Kernels, AvgPoolRoundsLikeTflite) {
  // One window of 4 values per channel: sums 2 -> 0.5 -> 1, -2 -> -0.5 -> -1, 1 -> 0.25 -> 0,
  // -6 -> -1.5 -> -2.
  const unas_pool_params params{{2, 2, 4}, {1, 1, 4}, 2, 2, -128, 127};
  const std::vector<std::int8_t> in = {1, -1, 1, -1, 1, -1, 0, -2, 0, 0, 0, -2, 0, 0, 0, -1};
  std::vector<std::int8_t> out(4);
  unas_avg_pool(&params, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<std::int8_t>{1, -1, 0, -2}));
  // The activation range clamps pooled values too.
  const unas_pool_params relu{{2, 2, 4}, {1, 1, 4}, 2, 2, 0, 127};
  unas_max_pool(&relu, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<std::int8_t>{1, 0, 1, 0}));
}

// An Add of the given input shapes into `out_shape`: the kernel's result and the reference.
struct AddRun {
  std::vector<QTensor> inputs;
  std::vector<unas_add_input> terms;
  unas_add_params params{};
  QuantParams out_q;
  ActivationRange act;
  std::vector<double> reference;
};

AddRun make_add(const std::vector<unas_shape>& shapes, unas_shape out_shape, bool relu, unsigned seed) {
  std::mt19937 rng(seed);
  AddRun r;
  const float ranges[][2] = {{-1.0f, 1.0f}, {-0.3f, 2.5f}, {-4.0f, 0.5f}, {0.0f, 1.0f}};
  for (std::size_t i = 0; i < shapes.size(); ++i)
    r.inputs.push_back(random_tensor(rng, shapes[i], ranges[i % 4][0], ranges[i % 4][1]));
  // Reference: each input zero-padded at the bottom, right and in extra channels.
  for (int y = 0; y < out_shape.height; ++y)
    for (int x = 0; x < out_shape.width; ++x)
      for (int c = 0; c < out_shape.channels; ++c) {
        double v = 0.0;
        for (const QTensor& t : r.inputs)
          if (y < t.shape.height && x < t.shape.width && c < t.shape.channels) v += t.at(y, x, c);
        r.reference.push_back(v);
      }
  r.out_q = calibrate(r.reference);
  if (relu)
    for (double& v : r.reference) v = std::max(v, 0.0);
  r.act = activation_range(relu, r.out_q);
  std::vector<double> scales;
  for (const QTensor& t : r.inputs) scales.push_back(t.q.scale);
  const AddRequantisation rq = add_requantisation(scales, r.out_q.scale);
  for (std::size_t i = 0; i < shapes.size(); ++i)
    r.terms.push_back({shapes[i], r.inputs[i].q.zero_point, rq.inputs[i].multiplier, rq.inputs[i].shift});
  r.params = {out_shape,
              static_cast<std::int32_t>(r.terms.size()),
              r.terms.data(),
              rq.left_shift,
              rq.output.multiplier,
              rq.output.shift,
              r.out_q.zero_point,
              r.act.min,
              r.act.max};
  return r;
}

std::vector<std::int8_t> run_add(AddRun& r) {
  std::vector<const std::int8_t*> data;
  for (QTensor& t : r.inputs) data.push_back(t.ptr());
  std::vector<std::int8_t> out(elements(r.params.output), 99);
  unas_add(&r.params, data.data(), out.data());
  return out;
}

TEST(Int8Kernels, AddTwoInputsSameShape) {
  AddRun r = make_add({{6, 5, 4}, {6, 5, 4}}, {6, 5, 4}, false, 50);
  expect_within_one_step(run_add(r), r.reference, r.out_q, r.act);
}

TEST(Int8Kernels, AddTwoInputsWithPadding) {
  AddRun r = make_add({{6, 5, 4}, {4, 3, 2}}, {6, 5, 4}, false, 51);
  expect_within_one_step(run_add(r), r.reference, r.out_q, r.act);
  // Order does not matter.
  AddRun s = make_add({{4, 3, 2}, {6, 5, 4}}, {6, 5, 4}, false, 52);
  expect_within_one_step(run_add(s), s.reference, s.out_q, s.act);
}

TEST(Int8Kernels, AddThreeInputsWithPadding) {
  // No input covers the whole output in every dimension but together they do.
  AddRun r = make_add({{5, 6, 8}, {5, 4, 8}, {3, 6, 5}}, {5, 6, 8}, false, 53);
  expect_within_one_step(run_add(r), r.reference, r.out_q, r.act);
  AddRun s = make_add({{5, 4, 8}, {3, 6, 5}, {2, 2, 3}}, {5, 6, 8}, false, 54);
  expect_within_one_step(run_add(s), s.reference, s.out_q, s.act);
}

TEST(Int8Kernels, AddRelu) {
  AddRun r = make_add({{6, 6, 3}, {6, 6, 3}, {4, 4, 3}}, {6, 6, 3}, true, 55);
  const std::vector<std::int8_t> out = run_add(r);
  expect_within_one_step(out, r.reference, r.out_q, r.act);
  EXPECT_GT(r.act.min, -128);
  EXPECT_GT(std::count(out.begin(), out.end(), static_cast<std::int8_t>(r.act.min)), 0);
}

TEST(Int8Kernels, AddInPlaceMatchesSeparateBuffers) {
  // Alias each full-shape input in turn with the output.
  for (std::size_t aliased : {0u, 1u}) {
    AddRun r = make_add({{5, 6, 8}, {5, 6, 8}, {3, 4, 5}}, {5, 6, 8}, false, 60);
    const std::vector<std::int8_t> separate = run_add(r);
    expect_within_one_step(separate, r.reference, r.out_q, r.act);
    std::vector<std::int8_t> buffer = r.inputs[aliased].data;
    std::vector<const std::int8_t*> data;
    for (QTensor& t : r.inputs) data.push_back(t.ptr());
    data[aliased] = buffer.data();
    unas_add(&r.params, data.data(), buffer.data());
    EXPECT_EQ(buffer, separate) << "aliased input " << aliased;
  }
}

TEST(Int8Kernels, AddZeroPaddedInputIsRealZeroNotQuantisedZero) {
  // An input whose zero point is far from 0 must still add nothing where it is padded: adding
  // a 1x1x1 tensor to a 2x2x2 one changes only element 0.
  AddRun r = make_add({{2, 2, 2}, {1, 1, 1}}, {2, 2, 2}, false, 61);
  const std::vector<std::int8_t> out = run_add(r);
  expect_within_one_step(out, r.reference, r.out_q, r.act);
  for (std::size_t i = 1; i < out.size(); ++i)
    EXPECT_NEAR(dequantize(out[i], r.out_q), r.inputs[0].real[i], r.out_q.scale * (1 + 1e-5));
}

}  // namespace
}  // namespace unas::deploy
