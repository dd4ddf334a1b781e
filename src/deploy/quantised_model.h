#pragma once
// A trained float network turned into what an int8 runtime executes, as TFLite's post-training
// quantisation does it: batch norm folded into its convolution; weights int8, symmetric, one
// scale per output channel; biases int32 at scale input_scale * weight_scale; activations int8,
// asymmetric, one (scale, zero point) per tensor from calibrated ranges; every rescaling a
// fixed-point multiplier, so inference needs no floating point. Pools keep their input's
// quantisation (max and mean commute with it). No torch: the inputs are plain values.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "common/weights.h"
#include "deploy/requantisation.h"
#include "resources/layer_graph.h"

namespace unas::deploy {

// The float range a tensor took over the calibration inputs.
struct TensorRange {
  float min = 0.0f;
  float max = 0.0f;
};

// One operator's integer parameters. Layouts are the runtime's (HWC activations):
// convolution [out][k][k][in], depthwise [k][k][channels], dense [out][inputs in HWC order].
struct QuantisedLayer {
  std::vector<std::int8_t> weights;
  std::vector<std::int32_t> biases;
  std::vector<FixedPointMultiplier> channel_multipliers;  // accumulator -> output, per output channel
  std::vector<float> weight_scales;                       // per output channel (for reports and tests)
  // Add: each input's rescaling to the common scale, the sum's to the output, and the headroom shift.
  std::vector<FixedPointMultiplier> input_multipliers;
  FixedPointMultiplier output_multiplier{};
  int left_shift = 0;
  std::int32_t activation_min = -128;  // a fused ReLU clamps at the output's zero point
  std::int32_t activation_max = 127;
};

struct QuantisedModel {
  resources::LayerGraph graph;
  std::vector<QuantParams> tensors;    // per tensor id
  std::vector<QuantisedLayer> layers;  // per op id

  std::int64_t weight_bytes() const;        // int8 weights
  std::int64_t bias_bytes() const;          // int32 biases
  std::int64_t multiplier_bytes() const;    // fixed-point multipliers and shifts, 8 bytes each
};

class QuantisationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `weights` are the float model's (named as in common/weights.h, torch layouts); `ranges` has
// one entry per tensor of `graph`. Throws QuantisationError naming a missing or misshapen tensor.
QuantisedModel quantise(const resources::LayerGraph& graph, const Weights& weights, const std::vector<TensorRange>& ranges);

}  // namespace unas::deploy
