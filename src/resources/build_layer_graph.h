#pragma once
// Architecture -> layer graph, wired as the authors' µNAS assembles a network:
// - a serial block reads the tie-up of all pending outputs; a branch block reads the input of
//   the latest serial block and its last layer produces that block's channel count (a
//   depthwise last layer is followed by an extra 1x1 convolution, "bN.proj");
// - pending outputs are tied up by an Add; inputs of different height/width are first
//   max-pooled down by the rounded ratio to the smallest (Python's round: half to even), and
//   the Add's output takes the largest size of each dimension (the runtime zero-pads);
// - padding is "valid"; kernels and pools are clamped to the input; pooled sizes are
//   ceil(h / p) and convolved sizes ceil((h - k + 1) / stride);
// - the final dense layer has one unit for a 2-class task, otherwise one per class.
// Op names: "b{i}.l{j}.prepool", "b{i}.l{j}.conv", "b{i}.proj", "add{k}", "add{k}.in{m}.pool",
// "pool", "dense{k}", "classifier".
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "arch/architecture.h"
#include "resources/layer_graph.h"

namespace unas::resources {

// What pruning left of one layer: its surviving output channels/units and, for unstructured
// pruning, the non-zero entries of its weight matrix.
struct PrunedLayer {
  std::optional<int> kept_outputs;
  std::optional<std::int64_t> nonzero_weights;
};

// Keyed by op name ("b0.l1.conv", "dense0", ...).
using PrunedLayers = std::map<std::string, PrunedLayer>;

class GraphError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws GraphError for a bad input shape, class count or pruning entry.
LayerGraph build_layer_graph(const arch::Architecture& arch, TensorShape input, int num_classes,
                             const PrunedLayers& pruned = {});

// Units of the final dense layer for a task with `num_classes` classes.
int classifier_units(int num_classes);

// Python's round(numerator / denominator) for positive integers: halves go to the even neighbour.
int round_half_even(int numerator, int denominator);

}  // namespace unas::resources
