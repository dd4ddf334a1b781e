#include "resources/build_layer_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

#include "arch/search_space.h"

namespace unas::resources {

using arch::ConvLayer;
using arch::LayerType;

int classifier_units(int num_classes) { return num_classes == 2 ? 1 : num_classes; }

int round_half_even(int numerator, int denominator) {
  const int quotient = numerator / denominator;
  const int twice_remainder = 2 * (numerator % denominator);
  if (twice_remainder > denominator || (twice_remainder == denominator && quotient % 2 == 1)) return quotient + 1;
  return quotient;
}

namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }

class Builder {
 public:
  Builder(TensorShape input, const PrunedLayers& pruned) : graph_(input), pruned_(pruned) {}

  const TensorShape& shape(int tensor) const { return graph_.tensor(tensor).shape; }

  int pool(int x, OpKind kind, int pool_h, int pool_w, std::string name) {
    const TensorShape in = shape(x);
    Op op;
    op.kind = kind;
    op.name = std::move(name);
    op.pool_height = std::min(pool_h, in.height);
    op.pool_width = std::min(pool_w, in.width);
    const TensorShape out{ceil_div(in.height, op.pool_height), ceil_div(in.width, op.pool_width), in.channels};
    return graph_.add_op(std::move(op), {x}, out);
  }

  // One layer of a block, with its optional pre-pooling ("<prefix>.prepool", "<prefix>.conv").
  // `filters` is the wired channel count.
  int conv_layer(int x, const ConvLayer& layer, int filters, const std::string& prefix) {
    return conv_layer(x, layer, filters, prefix + ".prepool", prefix + ".conv");
  }

  int conv_layer(int x, const ConvLayer& layer, int filters, const std::string& prepool_name, std::string conv_name) {
    if (layer.prepool && (shape(x).height > 1 || shape(x).width > 1))
      x = pool(x, OpKind::kMaxPool, arch::bounds::kPrepoolSize, arch::bounds::kPrepoolSize, prepool_name);
    const TensorShape in = shape(x);
    Op op;
    op.name = std::move(conv_name);
    op.kernel = layer.type == LayerType::kConv1x1 ? 1 : std::min({layer.kernel_size, in.height, in.width});
    op.stride = layer.stride2 && layer.type != LayerType::kConv1x1 ? 2 : 1;
    op.batch_norm = layer.batch_norm;
    op.relu = layer.relu;
    int out_channels = in.channels;
    const std::int64_t window = std::int64_t{op.kernel} * op.kernel;
    if (layer.type == LayerType::kDepthwiseConv2D) {
      op.kind = OpKind::kDepthwiseConv2D;
      op.weights = window * in.channels;
      op.biases = in.channels;
    } else {
      op.kind = OpKind::kConv2D;
      out_channels = kept_outputs(op.name, filters);
      op.weights = window * in.channels * out_channels;
      op.biases = out_channels;
    }
    op.nonzero_weights = nonzero_weights(op.name, op.weights);
    const TensorShape out{ceil_div(in.height - op.kernel + 1, op.stride), ceil_div(in.width - op.kernel + 1, op.stride),
                          out_channels};
    return graph_.add_op(std::move(op), {x}, out);
  }

  int dense(int x, int units, std::string name, bool relu) {
    Op op;
    op.kind = OpKind::kDense;
    op.name = std::move(name);
    op.relu = relu;
    units = kept_outputs(op.name, units);
    op.weights = shape(x).elements() * units;
    op.biases = units;
    op.nonzero_weights = nonzero_weights(op.name, op.weights);
    return graph_.add_op(std::move(op), {x}, TensorShape{1, 1, units});
  }

  // Adds up the pending outputs of a stage (a serial block and its branches).
  int tie_up(std::vector<int> xs) {
    if (xs.size() == 1) return xs.front();
    const std::string name = fmt::format("add{}", adds_++);
    int smallest_h = shape(xs[0]).height, smallest_w = shape(xs[0]).width;
    for (int x : xs) {
      smallest_h = std::min(smallest_h, shape(x).height);
      smallest_w = std::min(smallest_w, shape(x).width);
    }
    TensorShape out{1, 1, 1};
    for (std::size_t m = 0; m < xs.size(); ++m) {
      const int down_h = round_half_even(shape(xs[m]).height, smallest_h);
      const int down_w = round_half_even(shape(xs[m]).width, smallest_w);
      if (down_h > 1 || down_w > 1) xs[m] = pool(xs[m], OpKind::kMaxPool, down_h, down_w, fmt::format("{}.in{}.pool", name, m));
      out.height = std::max(out.height, shape(xs[m]).height);
      out.width = std::max(out.width, shape(xs[m]).width);
      out.channels = std::max(out.channels, shape(xs[m]).channels);
    }
    Op op;
    op.kind = OpKind::kAdd;
    op.name = name;
    return graph_.add_op(std::move(op), std::move(xs), out);
  }

  LayerGraph finish(int output) {
    for (const auto& [name, entry] : pruned_)
      if (!used_.contains(name)) throw GraphError(fmt::format("pruned layer \"{}\": the network has no such layer", name));
    graph_.set_output(output);
    return std::move(graph_);
  }

 private:
  const PrunedLayer* find(const std::string& name) {
    const auto it = pruned_.find(name);
    if (it == pruned_.end()) return nullptr;
    used_.insert(name);
    return &it->second;
  }

  int kept_outputs(const std::string& name, int wired) {
    const PrunedLayer* p = find(name);
    if (p == nullptr || !p->kept_outputs) return wired;
    if (*p->kept_outputs > wired)
      throw GraphError(fmt::format("pruned layer \"{}\": {} kept outputs, but it has only {}", name, *p->kept_outputs, wired));
    return std::max(1, *p->kept_outputs);  // a pruned layer keeps at least one channel/unit
  }

  std::optional<std::int64_t> nonzero_weights(const std::string& name, std::int64_t weights) {
    const PrunedLayer* p = find(name);
    if (p == nullptr || !p->nonzero_weights) return std::nullopt;
    if (*p->nonzero_weights < 0)
      throw GraphError(fmt::format("pruned layer \"{}\": {} non-zero weights", name, *p->nonzero_weights));
    // More non-zeros than the pruned layer has weights: some read input channels the previous
    // layer lost, and they go with those channels.
    return std::min(*p->nonzero_weights, weights);
  }

  LayerGraph graph_;
  const PrunedLayers& pruned_;
  std::set<std::string> used_;
  int adds_ = 0;
};

}  // namespace

LayerGraph build_layer_graph(const arch::Architecture& arch, TensorShape input, int num_classes,
                             const PrunedLayers& pruned) {
  if (input.height < 1 || input.width < 1 || input.channels < 1)
    throw GraphError(fmt::format("input shape {}x{}x{}: every dimension must be at least 1", input.height, input.width,
                                 input.channels));
  if (num_classes < 2) throw GraphError(fmt::format("{} classes: a task needs at least 2", num_classes));
  if (pruned.contains("classifier")) throw GraphError("pruned layer \"classifier\": the final layer is never pruned");
  arch::validate(arch);

  // Pruning does not rewire: a branch's last layer has the channel count of the dense network's
  // serial output, however many channels pruning leaves of either (the Add zero-pads). The
  // trainer prunes both separately, so a branch may keep more channels than the serial layer.
  std::optional<LayerGraph> dense;
  if (!pruned.empty()) dense = build_layer_graph(arch, input, num_classes);
  const auto dense_channels = [&](const std::string& op) { return dense->tensor(dense->op(dense->find_op(op)).output).shape.channels; };

  Builder b(input, pruned);
  int serial_input = -1;           // input of the latest serial block: what branches read
  std::vector<int> pending = {0};  // the latest serial output, then each branch's output
  for (std::size_t i = 0; i < arch.conv_blocks.size(); ++i) {
    const arch::ConvBlock& block = arch.conv_blocks[i];
    const auto layer_name = [i](std::size_t j) { return fmt::format("b{}.l{}", i, j); };
    if (block.is_branch) {
      const bool projected = block.layers.back().type == LayerType::kDepthwiseConv2D;
      const int wired_channels = dense ? dense_channels(projected ? fmt::format("b{}.proj", i)
                                                                  : layer_name(block.layers.size() - 1) + ".conv")
                                       : b.shape(pending.front()).channels;
      int x = serial_input;
      for (std::size_t j = 0; j < block.layers.size(); ++j) {
        const int filters = arch::filters_fixed_by_wiring(block, j) ? wired_channels : block.layers[j].filters;
        x = b.conv_layer(x, block.layers[j], filters, layer_name(j));
      }
      if (projected) {
        ConvLayer projection{LayerType::kConv1x1, 1, wired_channels, false, false, false, false};
        x = b.conv_layer(x, projection, wired_channels, "", fmt::format("b{}.proj", i));
      }
      pending.push_back(x);
    } else {
      int x = b.tie_up(pending);
      serial_input = x;
      for (std::size_t j = 0; j < block.layers.size(); ++j)
        x = b.conv_layer(x, block.layers[j], block.layers[j].filters, layer_name(j));
      pending = {x};
    }
  }
  int x = b.tie_up(pending);
  if (arch.pooling)
    x = b.pool(x, arch.pooling->type == arch::PoolType::kAvg ? OpKind::kAvgPool : OpKind::kMaxPool, arch.pooling->size,
               arch.pooling->size, "pool");
  for (std::size_t k = 0; k < arch.dense_blocks.size(); ++k)
    x = b.dense(x, arch.dense_blocks[k].units, fmt::format("dense{}", k), true);
  x = b.dense(x, classifier_units(num_classes), "classifier", false);
  return b.finish(x);
}

}  // namespace unas::resources
