/*
 * unas_int8: integer-only int8 kernels for the operators a unas network is built from
 * (Conv2D, DepthwiseConv2D, Dense, MaxPool, AvgPool, Add).
 *
 * The arithmetic follows TFLite's int8 reference kernels (and CMSIS-NN, which matches them):
 * activations are int8 with a per-tensor scale and zero point, weights are int8 symmetric per
 * output channel, biases are int32 with scale input_scale * weight_scale[c], and every output
 * is requantised with a fixed-point multiplier (multiplier, shift) meaning
 * multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) or 0, shift in [-31, 30].
 *
 * Portability: C99, only <stdint.h> and <stddef.h>, no allocation, no floating point, no library
 * calls, no undefined or implementation-defined arithmetic (signed right shifts and left shifts
 * of negative values are avoided), so a model gives bit-identical results on a host and on a
 * Cortex-M. Where TFLite's own arithmetic would overflow a 32-bit int (undefined behaviour in
 * C), these kernels saturate instead: accumulators are 64-bit and saturate to int32 before
 * requantisation, and a requantisation left shift saturates. Wherever TFLite is defined, the
 * results are the same.
 *
 * Layout: every activation tensor is HWC (row-major height, width, channels), without a batch
 * dimension. Convolutions use valid padding. Every parameter struct is read-only, so a
 * generated model can keep them in flash as `static const`.
 */
#ifndef UNAS_INT8_H
#define UNAS_INT8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Fixed-point primitives (gemmlowp / TFLite) ------------------------------------------ */

/* gemmlowp's SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to nearest, ties
 * towards +infinity (the effect of gemmlowp's nudge); the single overflowing case
 * a == b == INT32_MIN gives INT32_MAX. */
int32_t unas_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

/* gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
 * exponent in [0, 31]. */
int32_t unas_rounding_divide_by_pot(int32_t x, int32_t exponent);

/* TFLite's MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31), i.e.
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^max(shift, 0), multiplier),
 * max(-shift, 0)). shift in [-31, 30]; x * 2^shift saturates to int32 where TFLite's would
 * overflow. */
int32_t unas_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

/* ---- Operators --------------------------------------------------------------------------- */

/* Height, width and channels of an HWC tensor. */
typedef struct {
  int32_t height;
  int32_t width;
  int32_t channels;
} unas_shape;

/* Conv2D and DepthwiseConv2D (depth multiplier 1), valid padding, square kernel.
 *
 *   input, output: shapes of the two tensors. The caller computes the output size:
 *     output.height = ceil((input.height - kernel + 1) / stride), and likewise the width.
 *     Conv2D: output.channels is the number of filters.
 *     DepthwiseConv2D: output.channels == input.channels.
 *   kernel, stride: kernel side (<= input height and width) and stride (>= 1).
 *   input_zero_point: zero point of the input tensor (-128..127).
 *   weights: int8, symmetric (zero point 0).
 *     Conv2D: [output.channels][kernel][kernel][input.channels].
 *     DepthwiseConv2D: [kernel][kernel][channels] (TFLite's layout, channel last).
 *   bias: int32 [output.channels] with scale input_scale * weight_scale[c], or NULL for none.
 *   multipliers, shifts: [output.channels], the fixed-point form of
 *     input_scale * weight_scale[c] / output_scale.
 *   output_zero_point: zero point of the output tensor.
 *   activation_min, activation_max: clamp of the int8 output; -128, 127 without activation,
 *     max(-128, output_zero_point), 127 for a fused ReLU.
 *
 * Per output element: acc = bias[c] + sum (x - input_zero_point) * w, saturated to int32;
 * out = clamp(MBQM(acc, multipliers[c], shifts[c]) + output_zero_point). */
typedef struct {
  unas_shape input;
  unas_shape output;
  int32_t kernel;
  int32_t stride;
  int32_t input_zero_point;
  const int8_t* weights;
  const int32_t* bias;
  const int32_t* multipliers;
  const int32_t* shifts;
  int32_t output_zero_point;
  int32_t activation_min;
  int32_t activation_max;
} unas_conv_params;

/* Conv2D. input and output must not overlap. */
void unas_conv2d(const unas_conv_params* params, const int8_t* input, int8_t* output);

/* DepthwiseConv2D, depth multiplier 1 (weights [kernel][kernel][channels]). input and output
 * must not overlap. */
void unas_depthwise_conv2d(const unas_conv_params* params, const int8_t* input, int8_t* output);

/* Dense (fully connected) layer.
 *
 *   input_size: number of input values n (an HWC tensor flattened in memory order, h*w*c).
 *   output_size: number of outputs.
 *   input_zero_point, output_zero_point, activation_min, activation_max: as for convolutions.
 *   weights: int8 [output_size][input_size], symmetric per output.
 *   bias: int32 [output_size] (scale input_scale * weight_scale[o]) or NULL.
 *   multipliers, shifts: [output_size].
 *
 * out[o] = clamp(MBQM(bias[o] + sum_j (x[j] - input_zero_point) * w[o][j]) + output_zero_point).
 * input and output must not overlap. */
typedef struct {
  int32_t input_size;
  int32_t output_size;
  int32_t input_zero_point;
  const int8_t* weights;
  const int32_t* bias;
  const int32_t* multipliers;
  const int32_t* shifts;
  int32_t output_zero_point;
  int32_t activation_min;
  int32_t activation_max;
} unas_dense_params;

void unas_dense(const unas_dense_params* params, const int8_t* input, int8_t* output);

/* MaxPool and AvgPool with window pool_height x pool_width, stride equal to the window, no
 * padding and ceil mode: the last row and column of windows may be partial.
 *
 *   input, output: shapes; output.height = ceil(input.height / pool_height), likewise the
 *     width, output.channels == input.channels.
 *   pool_height, pool_width: window (>= 1, <= the input's height and width).
 *   activation_min, activation_max: clamp of the output (-128, 127 for none).
 *
 * Input and output share scale and zero point, so no requantisation is needed: MaxPool takes
 * the largest int8 value of a window; AvgPool averages the window's valid elements only (the
 * count is the number of elements inside the input), rounding like TFLite: (sum + count/2) /
 * count for sum >= 0 and (sum - count/2) / count otherwise, with C's truncating division. */
typedef struct {
  unas_shape input;
  unas_shape output;
  int32_t pool_height;
  int32_t pool_width;
  int32_t activation_min;
  int32_t activation_max;
} unas_pool_params;

/* input and output must not overlap. */
void unas_max_pool(const unas_pool_params* params, const int8_t* input, int8_t* output);
void unas_avg_pool(const unas_pool_params* params, const int8_t* input, int8_t* output);

/* One term of an Add.
 *
 *   shape: the input's shape; each dimension <= the output's. Outside it (bottom, right and
 *     extra channels) the input counts as real zero, i.e. contributes nothing.
 *   zero_point: the input's zero point.
 *   multiplier, shift: fixed-point form of the input's scale relative to the sum's scale;
 *     TFLite's choice for two inputs is input_scale / (2 * max input scale). */
typedef struct {
  unas_shape shape;
  int32_t zero_point;
  int32_t multiplier;
  int32_t shift;
} unas_add_input;

/* Element-wise sum of input_count >= 2 tensors, each zero-padded to the output shape.
 *
 *   output: the output's shape.
 *   input_count, inputs: the terms, in the same order as the data pointers passed to unas_add.
 *   left_shift: headroom given to (x - zero_point) before rescaling; 20 in TFLite.
 *   output_multiplier, output_shift: fixed-point form of
 *     (2 * max input scale) / (2^left_shift * output_scale) in TFLite's convention.
 *   output_zero_point, activation_min, activation_max: as for convolutions.
 *
 * Per output element: sum = sum_i MBQM((x_i - zero_point_i) * 2^left_shift, multiplier_i,
 * shift_i) over the inputs that cover the element, saturated to int32; out =
 * clamp(MBQM(sum, output_multiplier, output_shift) + output_zero_point). */
typedef struct {
  unas_shape output;
  int32_t input_count;
  const unas_add_input* inputs;
  int32_t left_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t output_zero_point;
  int32_t activation_min;
  int32_t activation_max;
} unas_add_params;

/* input_data[i] points at the data of params->inputs[i]. The output may be the same memory
 * as an input whose shape equals the output's (an in-place Add): each element's inputs are
 * read before it is written. No other overlap between output and inputs is allowed. */
void unas_add(const unas_add_params* params, const int8_t* const* input_data, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif /* UNAS_INT8_H */
