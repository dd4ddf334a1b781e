#include "resources/peak_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <queue>
#include <unordered_map>

#include "common/rng.h"

namespace unas::resources {

namespace {

// A set of ops as a 128-bit mask: the architectures of the search space have fewer than 100.
struct OpSet {
  std::uint64_t lo = 0, hi = 0;

  static constexpr int kCapacity = 128;
  void insert(int i) { (i < 64 ? lo : hi) |= std::uint64_t{1} << (i & 63); }
  bool contains(int i) const { return ((i < 64 ? lo : hi) >> (i & 63)) & 1U; }
  bool includes(const OpSet& o) const { return (o.lo & ~lo) == 0 && (o.hi & ~hi) == 0; }
  OpSet with(int i) const {
    OpSet s = *this;
    s.insert(i);
    return s;
  }
  OpSet without(int i) const {
    OpSet s = *this;
    (i < 64 ? s.lo : s.hi) &= ~(std::uint64_t{1} << (i & 63));
    return s;
  }
  int size() const { return std::popcount(lo) + std::popcount(hi); }
  bool operator==(const OpSet&) const = default;
};

struct OpSetHash {
  std::size_t operator()(const OpSet& s) const { return static_cast<std::size_t>(mix64(s.lo ^ mix64(s.hi))); }
};

// Everything about the graph that a step's cost depends on, flattened for the search.
class MemoryModel {
 public:
  MemoryModel(const LayerGraph& g, const PeakMemoryOptions& options) : graph_(g) {
    const auto& tensors = g.tensors();
    bytes_.resize(tensors.size());
    consumers_.resize(tensors.size());
    for (std::size_t t = 0; t < tensors.size(); ++t) {
      const bool is_input = tensors[t].producer < 0;
      bytes_[t] = is_input && !options.include_input ? 0 : tensors[t].bytes();
      for (int c : tensors[t].consumers) consumers_[t].insert(c);
    }
    const auto& ops = g.ops();
    needs_.resize(ops.size());
    for (std::size_t o = 0; o < ops.size(); ++o)
      for (int t : ops[o].inputs)
        if (tensors[static_cast<std::size_t>(t)].producer >= 0) needs_[o].insert(tensors[static_cast<std::size_t>(t)].producer);
    for (std::size_t o = 0; o < ops.size(); ++o) all_.insert(static_cast<int>(o));
    find_chain_peaks();
  }

  int num_ops() const { return static_cast<int>(needs_.size()); }
  const OpSet& all() const { return all_; }
  bool ready(const OpSet& done, int op) const { return !done.contains(op) && done.includes(needs_[static_cast<std::size_t>(op)]); }

  // Bytes of the working set while `op` runs after the ops in `done`, whose live tensors take `live`.
  std::int64_t step_cost(const OpSet& done, std::int64_t live, int op) const {
    return live + (runs_in_place(done, op) ? 0 : out_bytes(op));
  }

  // Bytes of the live tensors once `op` has run after `done`.
  std::int64_t live_after(const OpSet& done, std::int64_t live, int op) const {
    const OpSet after = done.with(op);
    std::int64_t next = live + out_bytes(op);
    for (int t : graph_.op(op).inputs)
      if (dead(after, t)) next -= bytes_[static_cast<std::size_t>(t)];
    return next;
  }

  std::int64_t initial_live() const { return bytes_[static_cast<std::size_t>(graph_.input())]; }

  // The single op that must run next because the last one ended on a chain's strict peak, or
  // -1 when any ready op may run; -2 when the state pauses two chains on a peak (never needed).
  int forced_next(const OpSet& done) const {
    int forced = -1;
    for (const auto& [peak, next] : chain_peaks_) {
      if (!done.contains(peak) || done.contains(next)) continue;
      if (forced >= 0) return -2;
      forced = next;
    }
    return forced;
  }

  std::int64_t single_op_bound(int op) const {
    std::int64_t inputs = 0;
    for (int t : graph_.op(op).inputs) inputs += bytes_[static_cast<std::size_t>(t)];
    return inputs + (could_run_in_place(op) ? 0 : out_bytes(op));
  }

 private:
  std::int64_t out_bytes(int op) const { return bytes_[static_cast<std::size_t>(graph_.op(op).output)]; }

  // A tensor is dead once every consumer has run, unless it is the network's output.
  bool dead(const OpSet& done, int t) const {
    return t != graph_.output() && done.includes(consumers_[static_cast<std::size_t>(t)]);
  }

  bool same_shape_as_output(int op, int t) const {
    return graph_.tensor(t).shape == graph_.tensor(graph_.op(op).output).shape;
  }

  bool runs_in_place(const OpSet& done, int op) const {
    if (graph_.op(op).kind != OpKind::kAdd) return false;
    const OpSet after = done.with(op);
    for (int t : graph_.op(op).inputs)
      if (same_shape_as_output(op, t) && dead(after, t)) return true;
    return false;
  }

  bool could_run_in_place(int op) const {
    if (graph_.op(op).kind != OpKind::kAdd) return false;
    for (int t : graph_.op(op).inputs)
      if (same_shape_as_output(op, t) && t != graph_.output()) return true;
    return false;
  }

  // Op `o` in a chain x -> o -> y -> q -> z (x and y read only by o and q, o and q single-input,
  // neither an Add) is a strict peak when |y| > |x| and |y| > |z|. No optimal order needs to
  // pause between o and q: if |x| <= |z|, moving o to just before q costs |x|+|y| <= |y|+|z|;
  // otherwise moving q to just after o costs |y|+|z| < |x|+|y|; and in between, the chain holds
  // x or z instead of the larger y. (o reads no shared tensor, so the input's lifetime is kept.)
  void find_chain_peaks() {
    const auto single_link = [&](int t) {
      return t >= 0 && t != graph_.output() && graph_.tensor(t).consumers.size() == 1;
    };
    for (int o = 0; o < num_ops(); ++o) {
      const Op& op = graph_.op(o);
      if (op.inputs.size() != 1 || op.kind == OpKind::kAdd) continue;
      const int x = op.inputs[0], y = op.output;
      if (!single_link(x) || !single_link(y)) continue;
      const int q = graph_.tensor(y).consumers[0];
      if (graph_.op(q).inputs.size() != 1 || graph_.op(q).kind == OpKind::kAdd) continue;
      const int z = graph_.op(q).output;
      const auto size = [&](int t) { return bytes_[static_cast<std::size_t>(t)]; };
      if (size(y) > size(x) && size(y) > size(z)) chain_peaks_.emplace_back(o, q);
    }
  }

  const LayerGraph& graph_;
  std::vector<std::int64_t> bytes_;
  std::vector<OpSet> consumers_;
  std::vector<OpSet> needs_;  // ops whose outputs an op reads
  std::vector<std::pair<int, int>> chain_peaks_;
  OpSet all_;
};

void check_capacity(const LayerGraph& graph) {
  if (graph.ops().size() > static_cast<std::size_t>(OpSet::kCapacity))
    throw PeakMemoryError(fmt::format("peak memory: {} operators, at most {} are supported", graph.ops().size(),
                                      OpSet::kCapacity));
}

}  // namespace

std::vector<int> definition_order(const LayerGraph& graph) {
  std::vector<int> order(graph.ops().size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
  return order;
}

std::int64_t peak_lower_bound(const LayerGraph& graph, const PeakMemoryOptions& options) {
  check_capacity(graph);
  const MemoryModel model(graph, options);
  std::int64_t bound = 0;
  for (int o = 0; o < model.num_ops(); ++o) bound = std::max(bound, model.single_op_bound(o));
  return bound;
}

std::int64_t peak_of_order(const LayerGraph& graph, const std::vector<int>& order, const PeakMemoryOptions& options) {
  check_capacity(graph);
  const MemoryModel model(graph, options);
  if (order.size() != graph.ops().size())
    throw PeakMemoryError(fmt::format("order has {} ops, the graph {}", order.size(), graph.ops().size()));
  OpSet done;
  std::int64_t live = model.initial_live(), peak = 0;
  for (int op : order) {
    if (op < 0 || op >= model.num_ops() || !model.ready(done, op))
      throw PeakMemoryError(fmt::format("order runs op {} before its inputs exist, or twice", op));
    peak = std::max(peak, model.step_cost(done, live, op));
    live = model.live_after(done, live, op);
    done.insert(op);
  }
  return peak;
}

// Best-first search over the sets of executed ops (the ideals of the graph), minimising the
// largest step cost on the way from "nothing run" to "all run": every topological order is a
// path, so the first time the full set leaves the queue its cost is the exact optimum.
// The lower bound serves as a floor: costs under it are all equally good, and among equal
// priorities the deepest state goes first, so an order meeting the bound is found in one dive.
Schedule optimal_schedule(const LayerGraph& graph, const PeakMemoryOptions& options) {
  check_capacity(graph);
  const MemoryModel model(graph, options);
  std::int64_t floor = 0;
  for (int o = 0; o < model.num_ops(); ++o) floor = std::max(floor, model.single_op_bound(o));

  struct Visit {
    std::int64_t cost;  // the smallest peak of any path found to this state
    std::int64_t live;
    int last_op;
    bool expanded;
  };
  struct Entry {
    std::int64_t priority;
    int depth;
    std::int64_t live;
    OpSet state;
    bool operator<(const Entry& o) const {  // std::priority_queue pops the largest
      if (priority != o.priority) return priority > o.priority;
      if (depth != o.depth) return depth < o.depth;
      return live > o.live;
    }
  };
  std::unordered_map<OpSet, Visit, OpSetHash> visits;
  std::priority_queue<Entry> queue;
  visits.emplace(OpSet{}, Visit{0, model.initial_live(), -1, false});
  queue.push(Entry{floor, 0, model.initial_live(), OpSet{}});

  while (!queue.empty()) {
    const Entry top = queue.top();
    queue.pop();
    Visit& visit = visits.at(top.state);
    if (visit.expanded) continue;
    visit.expanded = true;
    if (top.state == model.all()) {
      Schedule schedule;
      schedule.peak_bytes = std::max(visit.cost, std::int64_t{0});
      for (OpSet s = top.state; s.size() > 0;) {
        const int op = visits.at(s).last_op;
        schedule.order.push_back(op);
        s = s.without(op);
      }
      std::reverse(schedule.order.begin(), schedule.order.end());
      return schedule;
    }
    const int forced = model.forced_next(top.state);
    if (forced == -2) continue;
    const std::int64_t cost_here = visit.cost, live_here = visit.live;
    for (int op = 0; op < model.num_ops(); ++op) {
      if ((forced >= 0 && op != forced) || !model.ready(top.state, op)) continue;
      const std::int64_t cost = std::max(cost_here, model.step_cost(top.state, live_here, op));
      const OpSet next = top.state.with(op);
      auto [it, inserted] = visits.try_emplace(next, Visit{cost, 0, op, false});
      if (!inserted) {
        if (it->second.expanded || it->second.cost <= cost) continue;
        it->second.cost = cost;
        it->second.last_op = op;
      }
      it->second.live = model.live_after(top.state, live_here, op);
      queue.push(Entry{std::max(cost, floor), next.size(), it->second.live, next});
    }
    if (visits.size() > options.max_states)
      throw PeakMemoryError(fmt::format("peak memory: gave up after {} states", visits.size()));
  }
  throw PeakMemoryError("peak memory: the graph has a cycle");
}

}  // namespace unas::resources
