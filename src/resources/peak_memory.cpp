#include "resources/peak_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <queue>

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
  int count_in(const OpSet& o) const { return std::popcount(lo & o.lo) + std::popcount(hi & o.hi); }
  bool operator==(const OpSet&) const = default;
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

  // A lower bound on the largest step still to come from `done` (A*'s heuristic), from the
  // sibling chains of each fork-join (same source tensor, same join op). Until the join runs,
  // a sibling holds at least the smallest of its remaining tensors (its suffix minimum), so a
  // chain op still to run costs at least its own bound plus its siblings' minima. While the
  // source is alive, the last sibling to start reads it, writes its first tensor and sees the
  // started siblings' minima. Both terms only grow as ops run and never exceed the cost of the
  // step they describe, so the bound is consistent and the search stays exact without
  // reopening states.
  std::int64_t remaining_bound(const OpSet& done) const {
    std::int64_t bound = 0;
    for (const Siblings& group : sibling_groups_) {
      std::int64_t held = 0, started = 0, cheapest_start = -1;
      for (std::size_t k = 0; k < group.chains.size(); ++k) {
        const Chain& chain = chains_[static_cast<std::size_t>(group.chains[k])];
        const auto p = static_cast<std::size_t>(done.count_in(chain.ops));
        position_[k] = p;
        held_[k] = chain.suffix_min[p];
        held += held_[k];
        if (p > 0)
          started += held_[k];
        else if (cheapest_start < 0 || chain.first_output < cheapest_start)
          cheapest_start = chain.first_output;
      }
      for (std::size_t k = 0; k < group.chains.size(); ++k) {
        const Chain& chain = chains_[static_cast<std::size_t>(group.chains[k])];
        if (position_[k] < chain.op_ids.size()) bound = std::max(bound, chain.max_op_bound[position_[k]] + held - held_[k]);
      }
      if (cheapest_start >= 0 && group.source_bytes > 0 && !dead(done, group.source))
        bound = std::max(bound, group.source_bytes + cheapest_start + started);
    }
    return bound;
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
    collect_chains();
  }

  // Every maximal chain, with what remaining_bound() needs, grouped into siblings.
  void collect_chains() {
    std::vector<bool> has_previous(static_cast<std::size_t>(num_ops()), false);
    for (int o = 0; o < num_ops(); ++o)
      if (chain_next_[static_cast<std::size_t>(o)] >= 0) has_previous[static_cast<std::size_t>(chain_next_[static_cast<std::size_t>(o)])] = true;
    for (int first = 0; first < num_ops(); ++first) {
      const Op& op = graph_.op(first);
      if (has_previous[static_cast<std::size_t>(first)] || op.inputs.size() != 1 || op.kind == OpKind::kAdd) continue;
      Chain chain;
      for (int o = first; o >= 0; o = chain_next_[static_cast<std::size_t>(o)]) {
        chain.ops.insert(o);
        chain.op_ids.push_back(o);
      }
      const std::size_t length = chain.op_ids.size();
      chain.suffix_min.assign(length + 1, 0);  // [0] stays 0: a chain not started holds nothing
      chain.max_op_bound.assign(length, 0);
      chain.suffix_min[length] = out_bytes(chain.op_ids[length - 1]);
      for (std::size_t p = length - 1; p >= 1; --p)
        chain.suffix_min[p] = std::min(chain.suffix_min[p + 1], out_bytes(chain.op_ids[p - 1]));
      for (std::size_t p = length; p-- > 0;)
        chain.max_op_bound[p] = std::max(single_op_bound(chain.op_ids[p]), p + 1 < length ? chain.max_op_bound[p + 1] : 0);
      chain.first_output = out_bytes(first);

      // Siblings share the source and the one op that reads their last tensor (the join).
      const int source = op.inputs[0];
      const int end = graph_.op(chain.op_ids.back()).output;
      const int join = end != graph_.output() && graph_.tensor(end).consumers.size() == 1 ? graph_.tensor(end).consumers[0] : -1;
      const int index = static_cast<int>(chains_.size());
      chains_.push_back(std::move(chain));
      auto group = std::find_if(sibling_groups_.begin(), sibling_groups_.end(),
                                [&](const Siblings& g) { return join >= 0 && g.source == source && g.join == join; });
      if (group == sibling_groups_.end())
        group = sibling_groups_.insert(sibling_groups_.end(), Siblings{source, join, bytes_[static_cast<std::size_t>(source)], {}});
      group->chains.push_back(index);
    }
    std::size_t widest = 0;
    for (const Siblings& g : sibling_groups_) widest = std::max(widest, g.chains.size());
    position_.resize(widest);
    held_.resize(widest);
  }

  const LayerGraph& graph_;
  std::vector<std::int64_t> bytes_;
  std::vector<OpSet> consumers_;
  std::vector<OpSet> needs_;  // ops whose outputs an op reads
  struct Chain {
    OpSet ops;
    std::vector<int> op_ids;                // in execution order
    std::vector<std::int64_t> suffix_min;   // [p]: least bytes the chain holds once p ops ran
    std::vector<std::int64_t> max_op_bound; // [p]: largest single_op_bound of ops p.. of the chain
    std::int64_t first_output = 0;
  };
  struct Siblings {
    int source;
    int join;  // -1: a chain on its own
    std::int64_t source_bytes;
    std::vector<int> chains;
  };
  std::vector<Chain> chains_;
  std::vector<Siblings> sibling_groups_;
  mutable std::vector<std::size_t> position_;  // work space of remaining_bound(), per sibling
  mutable std::vector<std::int64_t> held_;
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

// A search state: the ops run so far and the op the chain rules force next (-1 for none).
struct StateKey {
  OpSet done;
  int forced;
  bool operator==(const StateKey&) const = default;
};

struct State {
  StateKey key;
  std::int64_t cost;  // the smallest peak of any path found to this state
  std::int64_t live;  // bytes of the tensors alive in it
  int last_op;        // the op that ended that path, and the state it came from:
  int previous_forced;
  bool expanded;
};

// States in a vector (stable indices for the queue) with an open-addressing index over them:
// several times faster than std::unordered_map's nodes on the search's hot path.
class StateTable {
 public:
  StateTable() : slots_(1024, kEmpty) {}

  // The index of `key`'s state, and whether it was just added (with `fresh`'s values).
  std::pair<std::uint32_t, bool> find_or_add(const StateKey& key, const State& fresh) {
    if ((states_.size() + 1) * 2 > slots_.size()) grow();
    for (std::size_t slot = hash(key) & (slots_.size() - 1);; slot = (slot + 1) & (slots_.size() - 1)) {
      if (slots_[slot] == kEmpty) {
        slots_[slot] = static_cast<std::uint32_t>(states_.size());
        states_.push_back(fresh);
        return {slots_[slot], true};
      }
      if (states_[slots_[slot]].key == key) return {slots_[slot], false};
    }
  }

  std::uint32_t find(const StateKey& key) const {
    for (std::size_t slot = hash(key) & (slots_.size() - 1);; slot = (slot + 1) & (slots_.size() - 1))
      if (states_[slots_[slot]].key == key) return slots_[slot];
  }

  State& operator[](std::uint32_t index) { return states_[index]; }
  std::size_t size() const { return states_.size(); }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;

  static std::size_t hash(const StateKey& k) {
    return static_cast<std::size_t>(mix64(k.done.lo ^ mix64(k.done.hi ^ static_cast<std::uint64_t>(k.forced + 1))));
  }

  void grow() {
    std::vector<std::uint32_t> slots(slots_.size() * 2, kEmpty);
    for (std::uint32_t i = 0; i < states_.size(); ++i) {
      std::size_t slot = hash(states_[i].key) & (slots.size() - 1);
      while (slots[slot] != kEmpty) slot = (slot + 1) & (slots.size() - 1);
      slots[slot] = i;
    }
    slots_ = std::move(slots);
  }

  std::vector<State> states_;
  std::vector<std::uint32_t> slots_;
};

// Best-first search over the sets of executed ops (the ideals of the graph), minimising the
// largest step cost on the way from "nothing run" to "all run": every topological order is a
// path, so the first time the full set leaves the queue its cost is the exact optimum.
// Priorities are A*'s: the cost so far, or the lower bound of what remains if larger. Costs
// under the graph's single-step bound are all equally good, and among equal priorities the
// deepest state goes first, so an order meeting the bound is found in one dive.
Schedule optimal_schedule(const LayerGraph& graph, const PeakMemoryOptions& options) {
  check_capacity(graph);
  const MemoryModel model(graph, options);
  const std::int64_t floor = lower_bound(model);

  struct Entry {
    std::int64_t priority;
    int depth;
    std::int64_t live;
    std::uint32_t state;
    bool operator<(const Entry& o) const {  // std::priority_queue pops the largest
      if (priority != o.priority) return priority > o.priority;
      if (depth != o.depth) return depth < o.depth;
      return live > o.live;
    }
  };
  StateTable states;
  std::priority_queue<Entry> queue;
  const StateKey start{OpSet{}, -1};
  states.find_or_add(start, State{start, 0, model.initial_live(), -1, -1, false});
  queue.push(Entry{floor, 0, model.initial_live(), 0});

  while (!queue.empty()) {
    const std::uint32_t index = queue.top().state;
    queue.pop();
    if (states[index].expanded) continue;
    states[index].expanded = true;
    const StateKey key = states[index].key;
    const std::int64_t cost_here = states[index].cost, live_here = states[index].live;
    if (key.done == model.all()) {
      Schedule schedule;
      schedule.peak_bytes = cost_here;
      for (StateKey k = key; k.done.size() > 0;) {
        const State& s = states[states.find(k)];
        schedule.order.push_back(s.last_op);
        k = StateKey{k.done.without(s.last_op), s.previous_forced};
      }
      std::reverse(schedule.order.begin(), schedule.order.end());
      return schedule;
    }
    for (int op = 0; op < model.num_ops(); ++op) {
      if ((key.forced >= 0 && op != key.forced) || !model.ready(key.done, op)) continue;
      const std::int64_t cost = std::max(cost_here, model.step_cost(key.done, live_here, op));
      const StateKey next{key.done.with(op), model.must_follow(key.done, op)};
      const auto [found, added] = states.find_or_add(next, State{next, cost, 0, op, key.forced, false});
      State& state = states[found];
      if (!added) {
        if (state.expanded || state.cost <= cost) continue;
        state.cost = cost;
        state.last_op = op;
        state.previous_forced = key.forced;
      }
      state.live = model.live_after(key.done, live_here, op);
      const std::int64_t priority = std::max({cost, floor, model.remaining_bound(next.done)});
      queue.push(Entry{priority, next.done.size(), state.live, found});
    }
    if (states.size() > options.max_states)
      throw PeakMemoryError(fmt::format("peak memory: gave up after {} states", states.size()));
  }
  throw PeakMemoryError("peak memory: the graph has a cycle");
}

}  // namespace unas::resources
