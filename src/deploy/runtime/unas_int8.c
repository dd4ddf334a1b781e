/*
 * unas_int8: the int8 kernels declared in unas_int8.h. See the header for the semantics of
 * every parameter; the comments here explain how the arithmetic stays portable.
 *
 * Signed integers are only ever shifted when non-negative (a right shift of a negative value
 * is implementation-defined and a left shift of one is undefined), so rounding divisions work
 * on magnitudes. int32_t is two's complement by definition (C99 7.18.1.1), and converting an
 * in-range value between signed and unsigned types is exact.
 */
#include "unas_int8.h"

static int32_t saturate_int32(int64_t v) {
  if (v > INT32_MAX) return INT32_MAX;
  if (v < INT32_MIN) return INT32_MIN;
  return (int32_t)v;
}

int32_t unas_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  int64_t ab;
  /* The only product whose doubled high half does not fit: (-2^31)^2 * 2 / 2^32 = 2^31. */
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  /* gemmlowp adds a nudge of 2^30 (1 - 2^30 for a negative product) and divides by 2^31,
   * truncating towards zero. Truncating division of a negative number is the negated
   * division of its magnitude, which a shift of a non-negative value computes exactly. */
  if (ab >= 0) return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
  return (int32_t)(-((-(ab + 1 - ((int64_t)1 << 30))) >> 31));
}

int32_t unas_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  /* gemmlowp's mask-and-threshold formulation rounds to nearest with ties away from zero;
   * on magnitudes that is (|x| + 2^(exponent-1)) >> exponent. The magnitude of INT32_MIN is
   * 2^31, which fits an unsigned 32-bit value, and adding at most 2^30 cannot wrap. */
  const uint32_t half = exponent > 0 ? (uint32_t)1 << (exponent - 1) : 0u;
  uint32_t magnitude;
  if (x >= 0) return (int32_t)(((uint32_t)x + half) >> exponent);
  magnitude = 0u - (uint32_t)x;
  /* The quotient is at most 2^31 (x = INT32_MIN, exponent 0), so negate it in 64 bits. */
  return (int32_t)(-(int64_t)((magnitude + half) >> exponent));
}

int32_t unas_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  /* TFLite computes x * (1 << left) in 32 bits, which overflows (undefined) for large x; a
   * multiplication in 64 bits and saturation keeps every in-range result and defines the rest. */
  const int32_t scaled = left > 0 ? saturate_int32((int64_t)x * ((int64_t)1 << left)) : x;
  return unas_rounding_divide_by_pot(unas_saturating_rounding_doubling_high_mul(scaled, multiplier), right);
}

/* Requantises an accumulator to the int8 output: saturate to int32 as TFLite's accumulator
 * would hold it, rescale, add the zero point and clamp. The final clamp to -128..127 keeps the
 * conversion to int8 exact even if a caller passes a wider activation range. */
static int8_t requantize(int64_t acc, int32_t multiplier, int32_t shift, int32_t zero_point, int32_t activation_min,
                         int32_t activation_max) {
  int32_t v = unas_multiply_by_quantized_multiplier(saturate_int32(acc), multiplier, shift);
  /* v + zero_point could overflow near INT32_MAX; clamping v first to a range far wider than
   * int8 makes the sum safe without changing the clamped result. */
  if (v > 65536) v = 65536;
  if (v < -65536) v = -65536;
  v += zero_point;
  if (v < activation_min) v = activation_min;
  if (v > activation_max) v = activation_max;
  if (v < -128) v = -128;
  if (v > 127) v = 127;
  return (int8_t)v;
}

/* sum_j (x[j*step] - zero_point) * w[j*step] for j < n. Each product is at most 255 * 128 =
 * 32640 in magnitude, so 2^16 of them always fit an int32: the hot loop accumulates in 32 bits
 * (a single multiply-accumulate on Cortex-M) and only every 2^16 terms spills into 64 bits,
 * so no length of input can overflow. */
static int64_t dot(const int8_t* x, const int8_t* w, int32_t n, int32_t step, int32_t zero_point) {
  int64_t total = 0;
  while (n > 0) {
    const int32_t chunk = n < 65536 ? n : 65536;
    int32_t partial = 0;
    int32_t j;
    for (j = 0; j < chunk; ++j) {
      partial += ((int32_t)*x - zero_point) * (int32_t)*w;
      x += step;
      w += step;
    }
    total += partial;
    n -= chunk;
  }
  return total;
}

void unas_conv2d(const unas_conv_params* p, const int8_t* input, int8_t* output) {
  const int32_t in_c = p->input.channels;
  const int32_t row = p->input.width * in_c; /* elements between vertically adjacent pixels */
  const int32_t k = p->kernel;
  const int32_t span = k * in_c; /* one kernel row is contiguous in HWC: k pixels of in_c */
  const int32_t filter_size = k * span;
  int32_t oy, ox, oc, ky;
  for (oy = 0; oy < p->output.height; ++oy) {
    for (ox = 0; ox < p->output.width; ++ox) {
      const int8_t* window = input + oy * p->stride * row + ox * p->stride * in_c;
      for (oc = 0; oc < p->output.channels; ++oc) {
        const int8_t* w = p->weights + oc * filter_size;
        int64_t acc = p->bias ? p->bias[oc] : 0;
        for (ky = 0; ky < k; ++ky) acc += dot(window + ky * row, w + ky * span, span, 1, p->input_zero_point);
        *output++ = requantize(acc, p->multipliers[oc], p->shifts[oc], p->output_zero_point, p->activation_min,
                               p->activation_max);
      }
    }
  }
}

void unas_depthwise_conv2d(const unas_conv_params* p, const int8_t* input, int8_t* output) {
  const int32_t channels = p->input.channels;
  const int32_t row = p->input.width * channels;
  const int32_t k = p->kernel;
  int32_t oy, ox, c, ky;
  for (oy = 0; oy < p->output.height; ++oy) {
    for (ox = 0; ox < p->output.width; ++ox) {
      const int8_t* window = input + oy * p->stride * row + ox * p->stride * channels;
      for (c = 0; c < channels; ++c) {
        int64_t acc = p->bias ? p->bias[c] : 0;
        /* Along a kernel row, both the input pixels and the weights ([k][k][c]) of channel c
         * are `channels` apart. */
        for (ky = 0; ky < k; ++ky)
          acc += dot(window + ky * row + c, p->weights + ky * k * channels + c, k, channels, p->input_zero_point);
        *output++ = requantize(acc, p->multipliers[c], p->shifts[c], p->output_zero_point, p->activation_min,
                               p->activation_max);
      }
    }
  }
}

void unas_dense(const unas_dense_params* p, const int8_t* input, int8_t* output) {
  int32_t o;
  for (o = 0; o < p->output_size; ++o) {
    int64_t acc = p->bias ? p->bias[o] : 0;
    acc += dot(input, p->weights + o * p->input_size, p->input_size, 1, p->input_zero_point);
    output[o] =
        requantize(acc, p->multipliers[o], p->shifts[o], p->output_zero_point, p->activation_min, p->activation_max);
  }
}

/* Clamps a pooled value, which is already an int8 value, to the activation range. */
static int8_t clamp_activation(int32_t v, int32_t activation_min, int32_t activation_max) {
  if (v < activation_min) v = activation_min;
  if (v > activation_max) v = activation_max;
  if (v < -128) v = -128;
  if (v > 127) v = 127;
  return (int8_t)v;
}

/* The window of output row or column `o` covers [o * size, min(o * size + size, extent)):
 * stride equals the window and ceil mode lets the last one stop at the input's edge. */
static int32_t window_end(int32_t o, int32_t size, int32_t extent) {
  const int32_t end = o * size + size;
  return end < extent ? end : extent;
}

void unas_max_pool(const unas_pool_params* p, const int8_t* input, int8_t* output) {
  const int32_t channels = p->input.channels;
  const int32_t row = p->input.width * channels;
  int32_t oy, ox, c, y, x;
  for (oy = 0; oy < p->output.height; ++oy) {
    const int32_t y0 = oy * p->pool_height, y1 = window_end(oy, p->pool_height, p->input.height);
    for (ox = 0; ox < p->output.width; ++ox) {
      const int32_t x0 = ox * p->pool_width, x1 = window_end(ox, p->pool_width, p->input.width);
      for (c = 0; c < channels; ++c) {
        int32_t best = -128;
        for (y = y0; y < y1; ++y)
          for (x = x0; x < x1; ++x) {
            const int32_t v = input[y * row + x * channels + c];
            if (v > best) best = v;
          }
        *output++ = clamp_activation(best, p->activation_min, p->activation_max);
      }
    }
  }
}

void unas_avg_pool(const unas_pool_params* p, const int8_t* input, int8_t* output) {
  const int32_t channels = p->input.channels;
  const int32_t row = p->input.width * channels;
  int32_t oy, ox, c, y, x;
  for (oy = 0; oy < p->output.height; ++oy) {
    const int32_t y0 = oy * p->pool_height, y1 = window_end(oy, p->pool_height, p->input.height);
    for (ox = 0; ox < p->output.width; ++ox) {
      const int32_t x0 = ox * p->pool_width, x1 = window_end(ox, p->pool_width, p->input.width);
      const int32_t count = (y1 - y0) * (x1 - x0);
      for (c = 0; c < channels; ++c) {
        /* The sum of raw values (zero point included) is exact in 32 bits for any window of
         * fewer than 2^24 elements; input and output share the zero point, so averaging the
         * raw values averages the real ones. */
        int32_t sum = 0;
        for (y = y0; y < y1; ++y)
          for (x = x0; x < x1; ++x) sum += input[y * row + x * channels + c];
        sum = sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
        *output++ = clamp_activation(sum, p->activation_min, p->activation_max);
      }
    }
  }
}

void unas_add(const unas_add_params* p, const int8_t* const* input_data, int8_t* output) {
  const int32_t left = p->left_shift;
  int32_t y, x, c, i;
  for (y = 0; y < p->output.height; ++y) {
    for (x = 0; x < p->output.width; ++x) {
      for (c = 0; c < p->output.channels; ++c) {
        /* Every input value of this element is read before the element is written, and an
         * input of the output's shape has it at the same offset, so an in-place Add never reads
         * a value it has already overwritten. */
        int64_t sum = 0;
        for (i = 0; i < p->input_count; ++i) {
          const unas_add_input* in = &p->inputs[i];
          int32_t v;
          /* Outside an input's shape its real value is zero: it adds nothing to the sum. */
          if (y >= in->shape.height || x >= in->shape.width || c >= in->shape.channels) continue;
          v = (int32_t)input_data[i][(y * in->shape.width + x) * in->shape.channels + c] - in->zero_point;
          /* (x - zp) * 2^left_shift; multiplying avoids a left shift of a negative value. */
          sum += unas_multiply_by_quantized_multiplier(saturate_int32((int64_t)v * ((int64_t)1 << left)),
                                                       in->multiplier, in->shift);
        }
        *output++ = requantize(sum, p->output_multiplier, p->output_shift, p->output_zero_point, p->activation_min,
                               p->activation_max);
      }
    }
  }
}
