#include "train/weight_inheritance.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "resources/build_layer_graph.h"
#include "train/model_weights.h"

namespace unas::train {

namespace {

using arch::MorphismKind;
using resources::OpKind;
using torch::indexing::Slice;

// ---- Which parent op each child op continues ------------------------------------------------

enum class Origin { kContinues, kInserted, kFresh };

struct OpOrigin {
  Origin origin = Origin::kFresh;
  std::string parent_op;  // for kContinues
};

std::string conv_name(std::size_t block, std::size_t layer) { return fmt::format("b{}.l{}.conv", block, layer); }
std::string proj_name(std::size_t block) { return fmt::format("b{}.proj", block); }
std::string dense_name(std::size_t k) { return fmt::format("dense{}", k); }

// Index maps from child to parent positions under one morphism; nullopt: new in the child.
class Correspondence {
 public:
  Correspondence(const arch::Architecture& parent, const arch::Morphism& m) : parent_(parent), m_(m) {}

  std::optional<std::size_t> block(std::size_t i) const {
    const auto b = static_cast<std::size_t>(std::max(m_.block, 0));
    if (m_.kind == MorphismKind::kRemoveBlock && i >= b) return i + 1;
    if (m_.kind == MorphismKind::kAppendBlock && i >= parent_.conv_blocks.size()) return std::nullopt;
    return i;
  }

  // nullopt for an inserted layer; `replaced` is set for a layer whose type changed.
  std::optional<std::size_t> layer(std::size_t i, std::size_t j, bool& replaced) const {
    replaced = false;
    const bool here = m_.block == static_cast<int>(i);
    const auto l = static_cast<std::size_t>(std::max(m_.layer, 0));
    if (here && m_.kind == MorphismKind::kRemoveLayer && j >= l) return j + 1;
    if (here && m_.kind == MorphismKind::kInsertLayer && j >= l) return j == l ? std::nullopt : std::optional(j - 1);
    if (here && m_.kind == MorphismKind::kChangeLayerType && j == l) replaced = true;
    return j;
  }

  std::optional<std::size_t> dense(std::size_t k) const {
    const auto b = static_cast<std::size_t>(std::max(m_.block, 0));
    if (m_.kind == MorphismKind::kRemoveDense && k >= b) return k + 1;
    if (m_.kind == MorphismKind::kAppendDense && k >= parent_.dense_blocks.size()) return std::nullopt;
    return k;
  }

 private:
  const arch::Architecture& parent_;
  const arch::Morphism& m_;
};

std::map<std::string, OpOrigin> op_origins(const arch::Architecture& parent, const arch::Architecture& child,
                                           const arch::Morphism& morphism) {
  const Correspondence c(parent, morphism);
  std::map<std::string, OpOrigin> out;
  for (std::size_t i = 0; i < child.conv_blocks.size(); ++i) {
    const arch::ConvBlock& block = child.conv_blocks[i];
    const std::optional<std::size_t> pi = c.block(i);
    for (std::size_t j = 0; j < block.layers.size(); ++j) {
      OpOrigin& o = out[conv_name(i, j)];
      if (!pi) {
        // An appended serial block extends the network like an inserted layer; an appended
        // branch adds to an existing output, where no initialisation is neutral.
        o.origin = block.is_branch ? Origin::kFresh : Origin::kInserted;
        continue;
      }
      bool replaced = false;
      const std::optional<std::size_t> pj = c.layer(i, j, replaced);
      if (replaced) continue;  // fresh
      if (!pj) {
        o.origin = Origin::kInserted;
        continue;
      }
      o = {Origin::kContinues, conv_name(*pi, *pj)};
    }
    if (pi) out[proj_name(i)] = {Origin::kContinues, proj_name(*pi)};
  }
  for (std::size_t k = 0; k < child.dense_blocks.size(); ++k) {
    const std::optional<std::size_t> pk = c.dense(k);
    out[dense_name(k)] = pk ? OpOrigin{Origin::kContinues, dense_name(*pk)} : OpOrigin{Origin::kInserted, {}};
  }
  out["classifier"] = {Origin::kContinues, "classifier"};
  return out;
}

// ---- Tensor operations -----------------------------------------------------------------------

Inherited shape_change(torch::IntArrayRef child, torch::IntArrayRef parent) {
  bool cropped = false, padded = false;
  for (std::size_t d = 0; d < child.size(); ++d) {
    cropped |= child[d] < parent[d];
    padded |= child[d] > parent[d];
  }
  if (cropped && padded) return Inherited::kReshaped;
  if (cropped) return Inherited::kCropped;
  return padded ? Inherited::kPadded : Inherited::kCopied;
}

// Copies the overlap of `parent` into `child`: leading indices along every dimension, except
// dimensions from `centred_from` on (kernels), which are aligned at their centres. Returns the
// number of elements copied.
std::int64_t copy_overlap(torch::Tensor child, const torch::Tensor& parent, std::int64_t centred_from) {
  std::vector<torch::indexing::TensorIndex> to, from;
  std::int64_t copied = 1;
  for (std::int64_t d = 0; d < child.dim(); ++d) {
    const std::int64_t c = child.size(d), p = parent.size(d), n = std::min(c, p);
    const bool centred = d >= centred_from;
    const std::int64_t c0 = centred ? (c - n) / 2 : 0, p0 = centred ? (p - n) / 2 : 0;
    to.emplace_back(Slice(c0, c0 + n));
    from.emplace_back(Slice(p0, p0 + n));
    copied *= n;
  }
  child.index(to).copy_(parent.index(from));
  return copied;
}

// The parent's tensors of one op, when the stored weights hold them.
struct ParentOp {
  const resources::Op* op = nullptr;
  const resources::TensorShape* input = nullptr;
  torch::Tensor weight, bias;
  std::optional<std::array<torch::Tensor, 4>> norm;  // weight, bias, running mean, running var
};

std::optional<ParentOp> parent_op(const resources::LayerGraph& graph, const Weights& weights, const std::string& name) {
  const int k = graph.find_op(name);
  if (k < 0) return std::nullopt;
  ParentOp p;
  p.op = &graph.op(k);
  p.input = &graph.tensor(p.op->inputs.front()).shape;
  const auto tensor = [&](const std::string& suffix) -> torch::Tensor {
    const TensorEntry* e = weights.find(name + suffix);
    return e ? view_of(weights, *e) : torch::Tensor();
  };
  p.weight = tensor(".weight");
  p.bias = tensor(".bias");
  if (!p.weight.defined() || !p.bias.defined() || p.weight.dim() != (p.op->kind == OpKind::kDense ? 2 : 4))
    return std::nullopt;
  if (p.op->batch_norm) {
    std::array<torch::Tensor, 4> norm{tensor(".bn.weight"), tensor(".bn.bias"), tensor(".bn.running_mean"),
                                      tensor(".bn.running_var")};
    for (const torch::Tensor& t : norm)
      if (!t.defined()) return std::nullopt;
    p.norm = norm;
  }
  return p;
}

// The parent's conv with its batch norm folded in: w·γ/√(σ²+ε), (b − μ)·γ/√(σ²+ε) + β.
void fold_batch_norm(ParentOp& p) {
  const auto& [gamma, beta, mean, var] = *p.norm;
  const torch::Tensor scale = gamma / (var + kBatchNormEpsilon).sqrt();
  p.weight = p.weight * scale.reshape({-1, 1, 1, 1});
  p.bias = (p.bias - mean) * scale + beta;
  p.norm.reset();
}

void identity_batch_norm(const std::vector<NamedTensor*>& norm) {
  norm[0]->tensor.fill_(1.0);
  norm[1]->tensor.zero_();
  norm[2]->tensor.zero_();
  norm[3]->tensor.fill_(1.0 - kBatchNormEpsilon);  // in inference, (x − 0)/√(1 − ε + ε) = x
}

// ---- Per op ----------------------------------------------------------------------------------

class Inheritor {
 public:
  Inheritor(const resources::LayerGraph& child_graph, const resources::LayerGraph& parent_graph, const Weights& weights,
            InheritanceReport& report)
      : child_graph_(child_graph), parent_graph_(parent_graph), weights_(weights), report_(report) {}

  // `tensors`: the op's weight, bias and (with batch norm) its four batch-norm tensors.
  void op(const resources::Op& op, const OpOrigin& origin, const std::vector<NamedTensor*>& tensors) {
    std::optional<ParentOp> parent;
    if (origin.origin == Origin::kContinues) parent = parent_op(parent_graph_, weights_, origin.parent_op);
    if (parent && parent->op->kind != op.kind) parent.reset();  // e.g. a depthwise layer now full
    child_op_ = op.name;
    parent_op_ = origin.parent_op;
    if (origin.origin == Origin::kInserted)
      inserted(op, tensors);
    else if (parent)
      continued(op, *parent, tensors);
    else
      for (NamedTensor* t : tensors) record(*t, Inherited::kFresh, 0);
  }

 private:
  // A tensor comes from the parent's tensor of the same role (".weight", ".bn.running_var")
  // in the op the child's op continues.
  void record(const NamedTensor& t, Inherited how, std::int64_t inherited) {
    const bool from_parent = how != Inherited::kFresh && how != Inherited::kIdentity;
    const std::string from = from_parent ? parent_op_ + t.name.substr(child_op_.size()) : "";
    report_.tensors.push_back({t.name, from, how, inherited, t.tensor.numel(), t.parameter});
  }

  std::vector<NamedTensor*> norm_of(const std::vector<NamedTensor*>& tensors) const {
    return {tensors.begin() + 2, tensors.end()};
  }

  void inserted(const resources::Op& op, const std::vector<NamedTensor*>& tensors) {
    torch::Tensor w = tensors[0]->tensor, b = tensors[1]->tensor;
    const std::int64_t outputs = w.size(0), inputs = op.kind == OpKind::kDepthwiseConv2D ? outputs : w.size(1);
    const std::int64_t both = std::min(outputs, inputs);
    const std::int64_t centre = w.dim() == 4 ? (w.size(2) - 1) / 2 : 0;
    w.slice(0, 0, both).zero_();
    b.slice(0, 0, both).zero_();
    for (std::int64_t c = 0; c < both; ++c) {
      const std::int64_t column = op.kind == OpKind::kDepthwiseConv2D ? 0 : c;
      if (w.dim() == 4)
        w[c][column][centre][centre] = 1.0;
      else
        w[c][column] = 1.0;
    }
    record(*tensors[0], Inherited::kIdentity, 0);
    record(*tensors[1], Inherited::kIdentity, 0);
    if (tensors.size() > 2) {
      identity_batch_norm(norm_of(tensors));
      for (NamedTensor* t : norm_of(tensors)) record(*t, Inherited::kIdentity, 0);
    }
  }

  void continued(const resources::Op& op, ParentOp parent, const std::vector<NamedTensor*>& tensors) {
    const bool child_norm = tensors.size() > 2;
    const bool folded = parent.norm && !child_norm;
    if (folded) fold_batch_norm(parent);

    torch::Tensor w = tensors[0]->tensor;
    const std::int64_t rows = std::min(w.size(0), parent.weight.size(0));
    if (op.kind == OpKind::kDense) {
      dense_weight(op, parent, *tensors[0], rows, folded);
    } else {
      // Rows both have are rewritten whole: kernel borders and new inputs become zero.
      w.slice(0, 0, rows).zero_();
      const std::int64_t copied = copy_overlap(w, parent.weight, 2);
      record(*tensors[0], folded ? Inherited::kFolded : shape_change(w.sizes(), parent.weight.sizes()), copied);
    }
    const std::int64_t copied = copy_overlap(tensors[1]->tensor, parent.bias, 1);
    record(*tensors[1], folded ? Inherited::kFolded : shape_change(tensors[1]->tensor.sizes(), parent.bias.sizes()),
           copied);

    if (!child_norm) return;
    if (!parent.norm) {  // batch norm added
      identity_batch_norm(norm_of(tensors));
      for (NamedTensor* t : norm_of(tensors)) record(*t, Inherited::kIdentity, 0);
      return;
    }
    for (std::size_t k = 0; k < 4; ++k) {
      NamedTensor& t = *tensors[2 + k];
      const torch::Tensor& from = (*parent.norm)[k];
      record(t, shape_change(t.tensor.sizes(), from.sizes()), copy_overlap(t.tensor, from, 1));
    }
  }

  // A dense weight seen as [outputs, C, H, W] over its (flattened, NCHW) input.
  void dense_weight(const resources::Op& op, const ParentOp& parent, const NamedTensor& t, std::int64_t rows,
                    bool folded) {
    const resources::TensorShape& in = child_graph_.tensor(op.inputs.front()).shape;
    const resources::TensorShape& from_in = *parent.input;
    torch::Tensor w = t.tensor.view({t.tensor.size(0), in.channels, in.height, in.width});
    if (parent.weight.size(1) != from_in.elements()) return record(t, Inherited::kFresh, 0);
    const torch::Tensor p =
        parent.weight.reshape({parent.weight.size(0), from_in.channels, from_in.height, from_in.width});
    w.slice(0, 0, rows).zero_();
    if (in.height == from_in.height && in.width == from_in.width) {
      const std::int64_t copied = copy_overlap(w, p, 4);
      return record(t, folded ? Inherited::kFolded : shape_change(t.tensor.sizes(), parent.weight.sizes()), copied);
    }
    // Each child position reads the parent's weight at the nearest position; scaled by the area
    // ratio, a spatially smooth input gives the same output.
    const auto nearest = [](int to, int from) {
      std::vector<std::int64_t> index;
      for (int i = 0; i < to; ++i) index.push_back(std::min<std::int64_t>(from - 1, (2 * i + 1) * from / (2 * to)));
      return torch::tensor(index, torch::kInt64);
    };
    const std::int64_t channels = std::min<std::int64_t>(in.channels, from_in.channels);
    const double area = static_cast<double>(from_in.height * from_in.width) / static_cast<double>(in.height * in.width);
    const torch::Tensor resampled = p.slice(0, 0, rows)
                                        .slice(1, 0, channels)
                                        .index_select(2, nearest(in.height, from_in.height))
                                        .index_select(3, nearest(in.width, from_in.width));
    w.slice(0, 0, rows).slice(1, 0, channels).copy_(resampled * area);
    record(t, Inherited::kResampled, rows * channels * in.height * in.width);
  }

  const resources::LayerGraph& child_graph_;
  const resources::LayerGraph& parent_graph_;
  const Weights& weights_;
  InheritanceReport& report_;
  std::string child_op_, parent_op_;  // of the op being inherited
};

}  // namespace

std::string_view to_string(Inherited how) {
  switch (how) {
    case Inherited::kCopied:
      return "copied";
    case Inherited::kCropped:
      return "cropped";
    case Inherited::kPadded:
      return "padded";
    case Inherited::kReshaped:
      return "reshaped";
    case Inherited::kResampled:
      return "resampled";
    case Inherited::kFolded:
      return "folded";
    case Inherited::kIdentity:
      return "identity";
    case Inherited::kFresh:
      return "fresh";
  }
  return "?";
}

const InheritedTensor* InheritanceReport::find(std::string_view name) const {
  for (const InheritedTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

double InheritanceReport::inherited_fraction() const {
  std::int64_t inherited = 0, total = 0;
  for (const InheritedTensor& t : tensors)
    if (t.parameter) {
      inherited += t.inherited;
      total += t.elements;
    }
  return total > 0 ? static_cast<double>(inherited) / static_cast<double>(total) : 0.0;
}

InheritanceReport inherit_weights(CandidateModelImpl& child, const arch::Architecture& child_arch,
                                  const Inheritance& from) {
  torch::NoGradGuard no_grad;
  const resources::LayerGraph& graph = child.graph();
  const int units = graph.tensor(graph.output()).shape.channels;
  const resources::LayerGraph parent_graph =
      resources::build_layer_graph(from.parent, graph.tensor(graph.input()).shape, units == 1 ? 2 : units);
  const std::map<std::string, OpOrigin> origins = op_origins(from.parent, child_arch, from.morphism);

  InheritanceReport report;
  Inheritor inheritor(graph, parent_graph, from.weights, report);
  std::vector<NamedTensor> state = child.named_state();
  // named_state() lists each op's tensors together, weight first: group them by op.
  std::size_t next = 0;
  for (const resources::Op& op : graph.ops()) {
    if (!op.has_parameters()) continue;
    std::vector<NamedTensor*> tensors;
    while (next < state.size() && state[next].name.compare(0, op.name.size() + 1, op.name + ".") == 0)
      tensors.push_back(&state[next++]);
    const auto it = origins.find(op.name);
    inheritor.op(op, it != origins.end() ? it->second : OpOrigin{}, tensors);
  }
  return report;
}

}  // namespace unas::train
