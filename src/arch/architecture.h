#pragma once
// The architecture value type of the µNAS search space (paper Table 1).
//
// An architecture is N convolutional blocks (each serial or a parallel branch of the previous
// serial block), an optional global pooling, F dense blocks and a final dense layer sized by
// the task. Values are kept canonical (a 1x1 layer has kernel 1 and no stride, a depthwise
// layer has no filter count) so that `==` means "the same network".
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace unas::arch {

enum class LayerType { kConv2D, kConv1x1, kDepthwiseConv2D };
enum class PoolType { kAvg, kMax };

// Names used in the authors' JSON format.
std::string_view to_string(LayerType type);
std::string_view to_string(PoolType type);

struct ConvLayer {
  LayerType type = LayerType::kConv2D;
  int kernel_size = 3;  // 3, 5 or 7; always 1 for kConv1x1
  int filters = 1;      // 1..128; 0 for kDepthwiseConv2D (it keeps its input channels)
  bool stride2 = false; // always false for kConv1x1
  bool prepool = false; // 2x2 max pooling before the convolution
  bool batch_norm = false;
  bool relu = false;

  bool has_kernel() const { return type != LayerType::kConv1x1; }
  bool has_filters() const { return type != LayerType::kDepthwiseConv2D; }
  bool has_stride() const { return type != LayerType::kConv1x1; }
  bool operator==(const ConvLayer&) const = default;
};

struct ConvBlock {
  bool is_branch = false;  // parallel to the previous serial block; block 0 is always serial
  std::vector<ConvLayer> layers;
  bool operator==(const ConvBlock&) const = default;
};

struct Pooling {
  PoolType type = PoolType::kAvg;
  int size = 2;  // 2, 4 or 6
  bool operator==(const Pooling&) const = default;
};

struct DenseBlock {
  int units = 10;  // 10..256, followed by ReLU
  bool operator==(const DenseBlock&) const = default;
};

struct Architecture {
  std::vector<ConvBlock> conv_blocks;
  std::optional<Pooling> pooling;
  std::vector<DenseBlock> dense_blocks;
  bool operator==(const Architecture&) const = default;
};

// The last layer of a branch block must produce the channel count of the serial block it runs
// beside, so a full or 1x1 convolution there has its filter count fixed by the wiring.
bool filters_fixed_by_wiring(const ConvBlock& block, std::size_t layer_index);

// Thrown for an architecture outside the search space; the message names the field.
class ArchitectureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ArchitectureError naming the first field outside the bounds of Table 1
// (zero dense blocks are accepted: a well-formed network, though not one the search draws).
void validate(const Architecture& arch);

}  // namespace unas::arch
