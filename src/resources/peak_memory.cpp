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
    find_chains();
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

  // The op that must run right after `op` (run from the state `before`), or -1 when the
  // search may continue with any ready op. See find_chains() for why this keeps the optimum.
  int must_follow(const OpSet& before, int op) const {
    const int next = chain_next_[static_cast<std::size_t>(op)];
    if (next < 0) return -1;
    const int source = chain_source_[static_cast<std::size_t>(op)];
    const bool source_gone = bytes_[static_cast<std::size_t>(source)] == 0 || dead(before, source);
    const bool may_stop = source_gone ? valley_[static_cast<std::size_t>(op)] : !strict_peak_[static_cast<std::size_t>(op)];
    return may_stop ? -1 : next;
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

  // A chain is a run of single-input ops (no Add) each read only by the next. Two rules say
  // where a chain may stop while other ops run; both keep some optimal order reachable.
  //
  // Strict peaks (proved here). In x -> o -> y -> q -> z with x and y read only by o and q,
  // let |y| > |x| and |y| > |z|. No optimal order needs to stop between o and q: if
  // |x| <= |z|, moving o to just before q costs |x|+|y| <= |y|+|z|, the cost q had there;
  // otherwise moving q to just after o costs |y|+|z| < |x|+|y|, the cost o had there; in
  // between, the chain holds x or z instead of the larger y. Neither move touches an op that
  // reads a shared tensor, so every other tensor keeps its lifetime. Each move removes stops on
  // peaks and adds none, so repeating them ends.
  //
  // Valleys (Liu's theorem on generalised tree pebbling, 1987). Once the tensor a chain started
  // from is freed (or costs nothing, like the uncounted input), what remains of a stage is
  // independent chains merging into one join: a tree. Liu showed that an optimal order runs
  // each chain in segments that end at its valleys, the positions whose tensor is smaller than
  // every later one of the chain. A chain may also sit where it was when the source was freed,
  // which is why the rule is applied to the op that was just run, not to the state.
  //
  // Both rules are checked against exhaustive search over every order in the tests.
  void find_chains() {
    const auto n = static_cast<std::size_t>(num_ops());
    chain_next_.assign(n, -1);
    chain_source_.assign(n, -1);
    valley_.assign(n, false);
    strict_peak_.assign(n, false);
    const auto chain_op = [&](int o) { return graph_.op(o).inputs.size() == 1 && graph_.op(o).kind != OpKind::kAdd; };
    const auto read_once = [&](int t) { return t != graph_.output() && graph_.tensor(t).consumers.size() == 1; };
    const auto size = [&](int t) { return bytes_[static_cast<std::size_t>(t)]; };

    for (int o = 0; o < num_ops(); ++o) {
      const int y = graph_.op(o).output;
      if (chain_op(o) && read_once(y) && chain_op(graph_.tensor(y).consumers[0]))
        chain_next_[static_cast<std::size_t>(o)] = graph_.tensor(y).consumers[0];
    }
    // Ops are in topological order, so a chain's earlier ops are settled first.
    for (int o = 0; o < num_ops(); ++o) {
      if (!chain_op(o)) continue;
      const int x = graph_.op(o).inputs[0];
      const int p = graph_.tensor(x).producer;
      const bool continues = p >= 0 && chain_next_[static_cast<std::size_t>(p)] == o;
      chain_source_[static_cast<std::size_t>(o)] = continues ? chain_source_[static_cast<std::size_t>(p)] : x;
    }
    for (int o = 0; o < num_ops(); ++o) {
      const int q = chain_next_[static_cast<std::size_t>(o)];
      if (q < 0) continue;
      const int x = graph_.op(o).inputs[0], y = graph_.op(o).output, z = graph_.op(q).output;
      strict_peak_[static_cast<std::size_t>(o)] = read_once(x) && size(y) > size(x) && size(y) > size(z);
      bool smaller_than_the_rest = true;
      for (int r = q; r >= 0; r = chain_next_[static_cast<std::size_t>(r)])
        smaller_than_the_rest = smaller_than_the_rest && size(y) < size(graph_.op(r).output);
      valley_[static_cast<std::size_t>(o)] = smaller_than_the_rest;
    }
  }

  const LayerGraph& graph_;
  std::vector<std::int64_t> bytes_;
  std::vector<OpSet> consumers_;
  std::vector<OpSet> needs_;  // ops whose outputs an op reads
  std::vector<int> chain_next_;    // the next op of the chain, or -1 where the chain ends
  std::vector<int> chain_source_;  // the tensor the op's chain started from
  std::vector<bool> valley_;       // the op's output is smaller than every later tensor of its chain
  std::vector<bool> strict_peak_;
  OpSet all_;
};

std::int64_t lower_bound(const MemoryModel& model) {
  std::int64_t bound = 0;
  for (int o = 0; o < model.num_ops(); ++o) bound = std::max(bound, model.single_op_bound(o));
  return bound;
}

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
  return lower_bound(MemoryModel(graph, options));
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
// A search state is the set plus the op the chain rules force next (-1 for none).
// The lower bound serves as a floor: costs under it are all equally good, and among equal
// priorities the deepest state goes first, so an order meeting the bound is found in one dive.
Schedule optimal_schedule(const LayerGraph& graph, const PeakMemoryOptions& options) {
  check_capacity(graph);
  const MemoryModel model(graph, options);
  const std::int64_t floor = lower_bound(model);

  struct Key {
    OpSet done;
    int forced;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return OpSetHash{}(k.done) ^ static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(k.forced + 1)));
    }
  };
  struct Visit {
    std::int64_t cost;  // the smallest peak of any path found to this state
    std::int64_t live;
    int last_op;
    int previous_forced;
    bool expanded;
  };
  struct Entry {
    std::int64_t priority;
    int depth;
    std::int64_t live;
    Key key;
    bool operator<(const Entry& o) const {  // std::priority_queue pops the largest
      if (priority != o.priority) return priority > o.priority;
      if (depth != o.depth) return depth < o.depth;
      return live > o.live;
    }
  };
  std::unordered_map<Key, Visit, KeyHash> visits;
  std::priority_queue<Entry> queue;
  const Key start{OpSet{}, -1};
  visits.emplace(start, Visit{0, model.initial_live(), -1, -1, false});
  queue.push(Entry{floor, 0, model.initial_live(), start});

  while (!queue.empty()) {
    const Key key = queue.top().key;
    queue.pop();
    Visit& visit = visits.at(key);
    if (visit.expanded) continue;
    visit.expanded = true;
    if (key.done == model.all()) {
      Schedule schedule;
      schedule.peak_bytes = visit.cost;
      for (Key k = key; k.done.size() > 0;) {
        const Visit& v = visits.at(k);
        schedule.order.push_back(v.last_op);
        k = Key{k.done.without(v.last_op), v.previous_forced};
      }
      std::reverse(schedule.order.begin(), schedule.order.end());
      return schedule;
    }
    const std::int64_t cost_here = visit.cost, live_here = visit.live;
    for (int op = 0; op < model.num_ops(); ++op) {
      if ((key.forced >= 0 && op != key.forced) || !model.ready(key.done, op)) continue;
      const std::int64_t cost = std::max(cost_here, model.step_cost(key.done, live_here, op));
      const Key next{key.done.with(op), model.must_follow(key.done, op)};
      auto [it, inserted] = visits.try_emplace(next, Visit{cost, 0, op, key.forced, false});
      if (!inserted) {
        if (it->second.expanded || it->second.cost <= cost) continue;
        it->second.cost = cost;
        it->second.last_op = op;
        it->second.previous_forced = key.forced;
      }
      it->second.live = model.live_after(key.done, live_here, op);
      queue.push(Entry{std::max(cost, floor), next.done.size(), it->second.live, next});
    }
    if (visits.size() > options.max_states)
      throw PeakMemoryError(fmt::format("peak memory: gave up after {} states", visits.size()));
  }
  throw PeakMemoryError("peak memory: the graph has a cycle");
}

}  // namespace unas::resources
