#include "deploy/quantised_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace unas::deploy {

using resources::LayerGraph;
using resources::Op;
using resources::OpKind;

namespace {

// TFLite's two-input Add shifts the offset inputs left by 20 bits before rescaling; with more
// inputs the sum needs more headroom: N terms of up to 255 * 2^(shift - 1) each stay in int32.
int add_left_shift(std::size_t inputs) {
  int shift = 20;
  while (static_cast<double>(inputs) * 255.0 * std::ldexp(1.0, shift - 1) >= 2147483647.0) --shift;
  return shift;
}

const float* tensor_values(const Weights& weights, const std::string& name, std::int64_t expected_elements) {
  const TensorEntry* entry = weights.find(name);
  if (!entry) throw QuantisationError("weights have no tensor \"" + name + "\"");
  if (entry->elements() != expected_elements)
    throw QuantisationError(fmt::format("tensor \"{}\" has {} values, the layer needs {}", name, entry->elements(), expected_elements));
  return weights.data(*entry);
}

// A convolution's or dense layer's float kernel and bias with batch norm folded in, the kernel
// still in torch's layout (output channel first).
struct FloatLayer {
  std::vector<float> kernel;
  std::vector<float> bias;
};

FloatLayer folded_layer(const Op& op, const Weights& weights, std::int64_t out_channels, std::int64_t kernel_elements) {
  FloatLayer f;
  const float* w = tensor_values(weights, op.name + ".weight", kernel_elements);
  const float* b = tensor_values(weights, op.name + ".bias", out_channels);
  f.kernel.assign(w, w + kernel_elements);
  f.bias.assign(b, b + out_channels);
  if (!op.batch_norm) return f;
  // y = gamma (conv(x) + b - mean) / sqrt(var + eps) + beta: a per-channel scale of the kernel.
  constexpr double kEpsilon = 1e-3;  // Keras' BatchNormalization, as the trainer uses
  const float* gamma = tensor_values(weights, op.name + ".bn.weight", out_channels);
  const float* beta = tensor_values(weights, op.name + ".bn.bias", out_channels);
  const float* mean = tensor_values(weights, op.name + ".bn.running_mean", out_channels);
  const float* var = tensor_values(weights, op.name + ".bn.running_var", out_channels);
  const std::int64_t per_channel = kernel_elements / out_channels;
  for (std::int64_t c = 0; c < out_channels; ++c) {
    const double factor = gamma[c] / std::sqrt(static_cast<double>(var[c]) + kEpsilon);
    for (std::int64_t i = 0; i < per_channel; ++i) f.kernel[c * per_channel + i] = static_cast<float>(f.kernel[c * per_channel + i] * factor);
    f.bias[c] = static_cast<float>((f.bias[c] - mean[c]) * factor + beta[c]);
  }
  return f;
}

// Torch kernels to the runtime's layouts: convolution [out][in][k][k] -> [out][k][k][in];
// dense [out][c·h·w] -> [out][h·w·c] (the runtime flattens HWC tensors).
std::vector<float> conv_to_runtime(const std::vector<float>& w, int out, int in, int k) {
  std::vector<float> r(w.size());
  for (int o = 0; o < out; ++o)
    for (int i = 0; i < in; ++i)
      for (int y = 0; y < k; ++y)
        for (int x = 0; x < k; ++x) r[((o * k + y) * k + x) * in + i] = w[((o * in + i) * k + y) * k + x];
  return r;
}

std::vector<float> dense_to_runtime(const std::vector<float>& w, int out, const resources::TensorShape& in) {
  const std::int64_t n = in.elements();
  std::vector<float> r(w.size());
  for (int o = 0; o < out; ++o)
    for (int c = 0; c < in.channels; ++c)
      for (int y = 0; y < in.height; ++y)
        for (int x = 0; x < in.width; ++x)
          r[o * n + (std::int64_t{y} * in.width + x) * in.channels + c] = w[o * n + (std::int64_t{c} * in.height + y) * in.width + x];
  return r;
}

void set_activation(const Op& op, const QuantParams& out, QuantisedLayer& layer) {
  const ActivationRange range = activation_range(op.relu, out);
  layer.activation_min = range.min;
  layer.activation_max = range.max;
}

// Per-channel int8 kernel, int32 biases and accumulator multipliers. `runtime_kernel` is in
// the runtime's layout: output channel first, or last for depthwise (`channel_last`).
void quantise_weighted(const Op& op, const std::vector<float>& runtime_kernel, const std::vector<float>& bias,
                       const QuantParams& in, const QuantParams& out, bool channel_last, QuantisedLayer& layer) {
  const int channels = static_cast<int>(bias.size());
  const std::int64_t per_channel = static_cast<std::int64_t>(runtime_kernel.size()) / channels;
  layer.weights = channel_last ? quantize_per_channel_last(runtime_kernel.data(), per_channel, channels, layer.weight_scales)
                               : quantize_per_channel(runtime_kernel.data(), channels, per_channel, layer.weight_scales);
  layer.biases = quantize_bias(bias.data(), channels, in.scale, layer.weight_scales);
  layer.channel_multipliers = channel_multipliers(in.scale, layer.weight_scales, out.scale);
  set_activation(op, out, layer);
}

}  // namespace

std::int64_t QuantisedModel::weight_bytes() const {
  std::int64_t n = 0;
  for (const QuantisedLayer& l : layers) n += static_cast<std::int64_t>(l.weights.size());
  return n;
}

std::int64_t QuantisedModel::bias_bytes() const {
  std::int64_t n = 0;
  for (const QuantisedLayer& l : layers) n += 4 * static_cast<std::int64_t>(l.biases.size());
  return n;
}

std::int64_t QuantisedModel::multiplier_bytes() const {
  std::int64_t n = 0;
  for (const QuantisedLayer& l : layers)
    n += 8 * static_cast<std::int64_t>(l.channel_multipliers.size() + l.input_multipliers.size() + (l.left_shift ? 1 : 0));
  return n;
}

QuantisedModel quantise(const LayerGraph& graph, const Weights& weights, const std::vector<TensorRange>& ranges) {
  if (ranges.size() != graph.tensors().size())
    throw QuantisationError(fmt::format("{} calibrated ranges for {} tensors", ranges.size(), graph.tensors().size()));
  QuantisedModel m{graph, std::vector<QuantParams>(graph.tensors().size()), std::vector<QuantisedLayer>(graph.ops().size())};
  m.tensors[static_cast<std::size_t>(graph.input())] = asymmetric_params(ranges[0].min, ranges[0].max);
  for (std::size_t k = 0; k < graph.ops().size(); ++k) {
    const Op& op = graph.ops()[k];
    const auto out_id = static_cast<std::size_t>(op.output);
    const resources::TensorShape& in_shape = graph.tensor(op.inputs.front()).shape;
    const resources::TensorShape& out_shape = graph.tensor(op.output).shape;
    const QuantParams& in = m.tensors[static_cast<std::size_t>(op.inputs.front())];
    QuantParams& out = m.tensors[out_id];
    QuantisedLayer& layer = m.layers[k];
    if (op.kind == OpKind::kMaxPool || op.kind == OpKind::kAvgPool) {
      out = in;
      set_activation(op, out, layer);
      continue;
    }
    out = asymmetric_params(ranges[out_id].min, ranges[out_id].max);
    switch (op.kind) {
      case OpKind::kConv2D: {
        const std::int64_t elements = std::int64_t{out_shape.channels} * in_shape.channels * op.kernel * op.kernel;
        const FloatLayer f = folded_layer(op, weights, out_shape.channels, elements);
        quantise_weighted(op, conv_to_runtime(f.kernel, out_shape.channels, in_shape.channels, op.kernel), f.bias, in, out,
                          false, layer);
        break;
      }
      case OpKind::kDepthwiseConv2D: {
        // Torch [c][1][k][k] is channel-major; the runtime wants [k][k][c].
        const std::int64_t elements = std::int64_t{out_shape.channels} * op.kernel * op.kernel;
        const FloatLayer f = folded_layer(op, weights, out_shape.channels, elements);
        const std::int64_t taps = std::int64_t{op.kernel} * op.kernel;
        std::vector<float> runtime(f.kernel.size());
        for (int c = 0; c < out_shape.channels; ++c)
          for (std::int64_t t = 0; t < taps; ++t) runtime[t * out_shape.channels + c] = f.kernel[c * taps + t];
        quantise_weighted(op, runtime, f.bias, in, out, true, layer);
        break;
      }
      case OpKind::kDense: {
        const FloatLayer f = folded_layer(op, weights, out_shape.channels, std::int64_t{out_shape.channels} * in_shape.elements());
        quantise_weighted(op, dense_to_runtime(f.kernel, out_shape.channels, in_shape), f.bias, in, out, false, layer);
        break;
      }
      case OpKind::kAdd: {
        std::vector<double> scales;
        for (int t : op.inputs) scales.push_back(m.tensors[static_cast<std::size_t>(t)].scale);
        AddRequantisation add = add_requantisation(scales, out.scale, add_left_shift(op.inputs.size()));
        layer.left_shift = add.left_shift;
        layer.input_multipliers = std::move(add.inputs);
        layer.output_multiplier = add.output;
        set_activation(op, out, layer);
        break;
      }
      default:
        break;
    }
  }
  return m;
}

}  // namespace unas::deploy
