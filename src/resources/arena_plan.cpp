#include "resources/arena_plan.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace unas::resources {

namespace {

bool in_arena(const LayerGraph& graph, int tensor, const ArenaOptions& options) {
  return graph.tensor(tensor).producer >= 0 || options.include_input;
}

// The step at which each op runs; throws when `order` is not an executable order of all ops.
std::vector<int> steps_of_ops(const LayerGraph& graph, const std::vector<int>& order) {
  const int num_ops = static_cast<int>(graph.ops().size());
  if (static_cast<int>(order.size()) != num_ops)
    throw std::invalid_argument("arena plan: the order has " + std::to_string(order.size()) + " ops, the graph " +
                                std::to_string(num_ops));
  std::vector<int> step(static_cast<std::size_t>(num_ops), -1);
  for (int s = 0; s < num_ops; ++s) {
    const int op = order[static_cast<std::size_t>(s)];
    if (op < 0 || op >= num_ops || step[static_cast<std::size_t>(op)] >= 0)
      throw std::invalid_argument("arena plan: op " + std::to_string(op) + " at step " + std::to_string(s) +
                                  " is unknown or runs twice");
    for (int t : graph.op(op).inputs) {
      const int producer = graph.tensor(t).producer;
      if (producer >= 0 && step[static_cast<std::size_t>(producer)] < 0)
        throw std::invalid_argument("arena plan: op " + std::to_string(op) + " at step " + std::to_string(s) +
                                    " runs before its input tensor " + std::to_string(t) + " exists");
    }
    step[static_cast<std::size_t>(op)] = s;
  }
  return step;
}

// When each tensor is alive for one order, in steps (inclusive), and which Adds run in place.
struct Lifetimes {
  std::vector<int> first;        // -1 for a tensor not in the arena
  std::vector<int> last;
  std::vector<int> in_place_of;  // as ArenaPlan::in_place_of
  int steps = 0;
};

Lifetimes lifetimes(const LayerGraph& graph, const std::vector<int>& order, const ArenaOptions& options) {
  const std::vector<int> step = steps_of_ops(graph, order);
  const std::size_t num_tensors = graph.tensors().size();
  Lifetimes life;
  life.steps = static_cast<int>(order.size());
  life.first.assign(num_tensors, -1);
  life.last.assign(num_tensors, -1);
  life.in_place_of.assign(num_tensors, -1);
  for (std::size_t t = 0; t < num_tensors; ++t) {
    const Tensor& tensor = graph.tensors()[t];
    if (!in_arena(graph, static_cast<int>(t), options)) continue;
    life.first[t] = tensor.producer < 0 ? 0 : step[static_cast<std::size_t>(tensor.producer)];
    // The peak-memory model frees a tensor once all its readers ran; the network output (and,
    // were there one, a tensor nobody reads) is never freed.
    int last = static_cast<int>(t) == graph.output() || tensor.consumers.empty() ? life.steps - 1 : life.first[t];
    for (int c : tensor.consumers) last = std::max(last, step[static_cast<std::size_t>(c)]);
    life.last[t] = last;
  }
  // The peak-memory model's rule (runs_in_place): an Add accumulates into an input of its
  // output's shape that is not the network output and that no later op reads. The first such
  // input in the arena is taken; an input the caller supplies is never written over.
  for (int s = 0; s < life.steps; ++s) {
    const Op& op = graph.op(order[static_cast<std::size_t>(s)]);
    if (op.kind != OpKind::kAdd) continue;
    for (int t : op.inputs) {
      const auto u = static_cast<std::size_t>(t);
      if (graph.tensor(t).shape == graph.tensor(op.output).shape && t != graph.output() && life.first[u] >= 0 &&
          life.last[u] == s) {
        life.in_place_of[static_cast<std::size_t>(op.output)] = t;
        break;
      }
    }
  }
  return life;
}

// One block of arena memory: a tensor, or a tensor and the in-place Add outputs that reuse it.
struct Buffer {
  std::int64_t bytes = 0;
  int first = 0, last = 0;  // steps, inclusive
};

bool overlap_in_time(const Buffer& a, const Buffer& b) { return a.first <= b.last && b.first <= a.last; }

// No plan can do better than the bytes alive at the busiest step.
std::int64_t live_peak(const std::vector<Buffer>& buffers, int steps) {
  std::vector<std::int64_t> load(static_cast<std::size_t>(steps) + 1, 0);
  for (const Buffer& b : buffers) {
    load[static_cast<std::size_t>(b.first)] += b.bytes;
    load[static_cast<std::size_t>(b.last) + 1] -= b.bytes;
  }
  std::int64_t live = 0, peak = 0;
  for (std::int64_t delta : load) peak = std::max(peak, live += delta);
  return peak;
}

struct Placement {
  std::int64_t arena_bytes = 0;
  std::vector<std::int64_t> offsets;  // per buffer
};

// TFLite Micro's placement step: each buffer in turn goes to the lowest offset where it does not
// collide with an already placed buffer whose lifetime overlaps its own. Stops early, with an
// incomplete plan, once the arena exceeds `give_up_above`.
Placement first_fit(const std::vector<Buffer>& buffers, const std::vector<int>& sequence,
                    std::int64_t give_up_above = std::numeric_limits<std::int64_t>::max()) {
  Placement p;
  p.offsets.assign(buffers.size(), -1);
  std::vector<std::pair<std::int64_t, std::int64_t>> taken;  // [offset, end) of conflicting buffers
  for (int i : sequence) {
    const Buffer& b = buffers[static_cast<std::size_t>(i)];
    taken.clear();
    for (std::size_t j = 0; j < buffers.size(); ++j)
      if (p.offsets[j] >= 0 && overlap_in_time(b, buffers[j])) taken.emplace_back(p.offsets[j], p.offsets[j] + buffers[j].bytes);
    std::sort(taken.begin(), taken.end());
    std::int64_t offset = 0;
    for (const auto& [start, end] : taken) {
      if (offset + b.bytes <= start) break;  // the gap below this buffer is large enough
      offset = std::max(offset, end);
    }
    p.offsets[static_cast<std::size_t>(i)] = offset;
    p.arena_bytes = std::max(p.arena_bytes, offset + b.bytes);
    if (p.arena_bytes > give_up_above) break;
  }
  return p;
}

// The buffers sorted by `before`, ties by index (so every ordering is deterministic).
std::vector<int> sorted_by(const std::vector<Buffer>& buffers, const std::function<bool(const Buffer&, const Buffer&)>& before) {
  std::vector<int> sequence(buffers.size());
  std::iota(sequence.begin(), sequence.end(), 0);
  std::stable_sort(sequence.begin(), sequence.end(), [&](int a, int b) {
    return before(buffers[static_cast<std::size_t>(a)], buffers[static_cast<std::size_t>(b)]);
  });
  return sequence;
}

// TFLite Micro's GreedyMemoryPlanner: largest buffer first.
std::vector<int> greedy_by_size_sequence(const std::vector<Buffer>& buffers) {
  return sorted_by(buffers, [](const Buffer& a, const Buffer& b) { return a.bytes > b.bytes; });
}

// Orders for first fit besides greedy-by-size. Greedy-by-size fragments the arena when a large buffer is put at
// the bottom in a place that a later, more constrained group of buffers needed; each of these
// puts a different notion of "hard to place" first, and the best of them is kept.
std::vector<std::vector<int>> candidate_sequences(const std::vector<Buffer>& buffers, int steps) {
  const auto length = [](const Buffer& b) { return std::int64_t{b.last - b.first + 1}; };
  // Bytes alive alongside each buffer at its busiest step: buffers on the critical steps first.
  std::vector<std::int64_t> load(static_cast<std::size_t>(steps), 0);
  for (const Buffer& b : buffers)
    for (int s = b.first; s <= b.last; ++s) load[static_cast<std::size_t>(s)] += b.bytes;
  std::vector<std::int64_t> pressure;
  for (const Buffer& b : buffers)
    pressure.push_back(*std::max_element(load.begin() + b.first, load.begin() + b.last + 1));
  std::vector<int> by_pressure(buffers.size());
  std::iota(by_pressure.begin(), by_pressure.end(), 0);
  std::stable_sort(by_pressure.begin(), by_pressure.end(), [&](int a, int b) {
    const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
    if (pressure[ua] != pressure[ub]) return pressure[ua] > pressure[ub];
    return buffers[ua].bytes > buffers[ub].bytes;
  });

  std::vector<std::vector<int>> sequences;
  sequences.push_back(std::move(by_pressure));
  sequences.push_back(sorted_by(buffers, [](const Buffer& a, const Buffer& b) {  // execution order
    return a.first != b.first ? a.first < b.first : a.bytes > b.bytes;
  }));
  sequences.push_back(sorted_by(buffers, [&](const Buffer& a, const Buffer& b) {  // area in the step x byte plane
    return length(a) * a.bytes > length(b) * b.bytes;
  }));
  sequences.push_back(sorted_by(buffers, [&](const Buffer& a, const Buffer& b) {  // long-lived first
    return length(a) != length(b) ? length(a) > length(b) : a.bytes > b.bytes;
  }));
  sequences.push_back(sorted_by(buffers, [](const Buffer& a, const Buffer& b) {  // reverse execution order
    return a.last != b.last ? a.last > b.last : a.bytes > b.bytes;
  }));
  return sequences;
}

// Local search over first-fit sequences: move one buffer to another place in the sequence and
// keep the change unless the arena grows. Accepting equal arenas lets the search drift across
// the many sequences that give the same size, which is what finds the rearrangements no single
// sorting rule produces. On random architectures it reaches the lower bound within a few
// hundred moves wherever the orderings above miss it (at ~10 us a move for 30 buffers).
Placement local_search(const std::vector<Buffer>& buffers, std::int64_t floor, std::vector<int> sequence,
                       Placement best, int moves) {
  if (sequence.size() < 2) return best;
  std::mt19937_64 random(sequence.size());  // fixed seed: the same graph always gets the same plan
  const auto pick = [&] { return static_cast<std::size_t>(random() % sequence.size()); };
  for (int move = 0; move < moves && best.arena_bytes > floor; ++move) {
    const std::size_t from = pick(), to = pick();
    if (from == to) continue;
    std::vector<int> next = sequence;
    const int buffer = next[from];
    next.erase(next.begin() + static_cast<std::ptrdiff_t>(from));
    next.insert(next.begin() + static_cast<std::ptrdiff_t>(to), buffer);
    Placement p = first_fit(buffers, next, best.arena_bytes);
    if (p.arena_bytes <= best.arena_bytes) {
      best = std::move(p);
      sequence = std::move(next);
    }
  }
  return best;
}

// Branch and bound over placements. Any plan can be pushed down until each buffer sits at offset
// 0 or on top of a buffer it shares a step with, without growing the arena. So the search builds
// plans bottom-up: it places buffers in order of offset (ties by index), each at 0 or on the top
// of a placed buffer it overlaps in time. That covers every such plan, so unless the node budget
// runs out the result is optimal. It also reaches plans that first fit cannot produce from any
// sequence, which is why it still runs, budgeted, on problems too large to finish.
class ExactSearch {
 public:
  ExactSearch(const std::vector<Buffer>& buffers, std::int64_t floor, Placement incumbent, long node_budget)
      : buffers_(buffers), floor_(floor), best_(std::move(incumbent)), nodes_left_(node_budget) {
    const std::size_t n = buffers.size();
    overlaps_.assign(n * n, false);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) overlaps_[i * n + j] = overlap_in_time(buffers[i], buffers[j]);
    offsets_.assign(n, -1);
    for (const Buffer& b : buffers) event_steps_.push_back(b.first);  // the load peaks where a buffer starts
    std::sort(event_steps_.begin(), event_steps_.end());
    event_steps_.erase(std::unique(event_steps_.begin(), event_steps_.end()), event_steps_.end());
  }

  Placement run() {
    if (best_.arena_bytes > floor_) search(0, 0, -1, 0);
    return best_;
  }

 private:
  bool overlaps(std::size_t i, std::size_t j) const { return overlaps_[i * buffers_.size() + j]; }
  std::int64_t end(std::size_t j) const { return offsets_[j] + buffers_[j].bytes; }

  bool fits(std::size_t i, std::int64_t offset) const {
    for (std::size_t j = 0; j < buffers_.size(); ++j)
      if (offsets_[j] >= 0 && overlaps(i, j) && offset < end(j) && offsets_[j] < offset + buffers_[i].bytes) return false;
    return true;
  }

  // Everything still to place lies at or above `level` and shares no byte with what is placed,
  // so at any step the arena holds `level`, plus the unplaced buffers alive then, plus the part
  // above `level` of the placed ones.
  std::int64_t bound(std::int64_t level, std::int64_t top) const {
    std::int64_t result = std::max(top, floor_);
    for (int s : event_steps_) {
      std::int64_t above = level;
      for (std::size_t j = 0; j < buffers_.size(); ++j) {
        if (buffers_[j].first > s || buffers_[j].last < s) continue;
        above += offsets_[j] < 0 ? buffers_[j].bytes : std::max<std::int64_t>(0, end(j) - std::max(offsets_[j], level));
      }
      result = std::max(result, above);
    }
    return result;
  }

  // `level`: offset of the buffer placed last (`last`); `top`: the arena's size so far.
  void search(std::size_t placed, std::int64_t level, int last, std::int64_t top) {
    if (best_.arena_bytes == floor_ || nodes_left_-- <= 0) return;
    const std::size_t n = buffers_.size();
    if (placed == n) {
      if (top < best_.arena_bytes) best_ = Placement{top, offsets_};
      return;
    }
    if (bound(level, top) >= best_.arena_bytes) return;

    struct Move {
      std::int64_t offset;
      int buffer;
    };
    std::vector<Move> moves;
    for (std::size_t i = 0; i < n; ++i) {
      if (offsets_[i] >= 0) continue;
      const auto add = [&](std::int64_t offset) {
        const bool tie_in_order = offset > level || static_cast<int>(i) > last;
        if (offset >= level && tie_in_order && offset + buffers_[i].bytes < best_.arena_bytes && fits(i, offset))
          moves.push_back(Move{offset, static_cast<int>(i)});
      };
      add(0);
      for (std::size_t j = 0; j < n; ++j)
        if (offsets_[j] >= 0 && overlaps(i, j)) add(end(j));
    }
    // Low offsets and large buffers first: the greedy choice, so good plans come early.
    std::sort(moves.begin(), moves.end(), [&](const Move& a, const Move& b) {
      if (a.offset != b.offset) return a.offset < b.offset;
      const std::int64_t sa = buffers_[static_cast<std::size_t>(a.buffer)].bytes, sb = buffers_[static_cast<std::size_t>(b.buffer)].bytes;
      return sa != sb ? sa > sb : a.buffer < b.buffer;
    });
    moves.erase(std::unique(moves.begin(), moves.end(),
                            [](const Move& a, const Move& b) { return a.offset == b.offset && a.buffer == b.buffer; }),
                moves.end());
    for (const Move& m : moves) {
      const auto i = static_cast<std::size_t>(m.buffer);
      offsets_[i] = m.offset;
      search(placed + 1, m.offset, m.buffer, std::max(top, m.offset + buffers_[i].bytes));
      offsets_[i] = -1;
      if (best_.arena_bytes == floor_ || nodes_left_ <= 0) return;
    }
  }

  const std::vector<Buffer>& buffers_;
  std::int64_t floor_;
  Placement best_;
  long nodes_left_;
  std::vector<bool> overlaps_;
  std::vector<std::int64_t> offsets_;  // -1: not placed yet
  std::vector<int> event_steps_;
};

// Effort caps, so that a plan never takes more than a few tens of milliseconds: a local-search
// move costs ~10 us and a search node ~1 us at 30 buffers. Up to about 12 buffers the search
// finishes within its budget (the plan is optimal); beyond, it is one more bounded attempt.
// Only plans still above the lower bound get either (about 1 % of random architectures).
constexpr int kLocalSearchMoves = 2'000;
constexpr std::size_t kExactMaxBuffers = 32;
constexpr long kExactNodeBudget = 20'000;

}  // namespace

ArenaPlan plan_arena(const LayerGraph& graph, const std::vector<int>& order, const ArenaOptions& options) {
  const Lifetimes life = lifetimes(graph, order, options);

  // An in-place output joins its input's buffer; ids grow along the graph, so the input's
  // buffer exists by the time its output is seen.
  const std::size_t num_tensors = graph.tensors().size();
  std::vector<int> buffer_of(num_tensors, -1);
  std::vector<Buffer> buffers;
  for (std::size_t t = 0; t < num_tensors; ++t) {
    if (life.first[t] < 0) continue;
    const int source = life.in_place_of[t];
    if (source >= 0) {
      const int b = buffer_of[static_cast<std::size_t>(source)];
      buffer_of[t] = b;
      buffers[static_cast<std::size_t>(b)].last = std::max(buffers[static_cast<std::size_t>(b)].last, life.last[t]);
    } else {
      buffer_of[t] = static_cast<int>(buffers.size());
      buffers.push_back(Buffer{graph.tensors()[t].bytes(), life.first[t], life.last[t]});
    }
  }

  const std::int64_t floor = live_peak(buffers, life.steps);
  std::vector<int> sequence = greedy_by_size_sequence(buffers);
  Placement best = first_fit(buffers, sequence);
  if (!options.greedy_by_size_only) {
    for (std::vector<int>& candidate : candidate_sequences(buffers, life.steps)) {
      if (best.arena_bytes == floor) break;
      Placement p = first_fit(buffers, candidate);
      if (p.arena_bytes < best.arena_bytes) {
        best = std::move(p);
        sequence = std::move(candidate);
      }
    }
    if (best.arena_bytes > floor) best = local_search(buffers, floor, sequence, std::move(best), kLocalSearchMoves);
    // First fit cannot produce every plan, and the lower bound is not always reachable: the
    // search settles it for a few buffers and sometimes closes the gap for more.
    if (best.arena_bytes > floor && buffers.size() <= kExactMaxBuffers)
      best = ExactSearch(buffers, floor, std::move(best), kExactNodeBudget).run();
  }

  ArenaPlan plan;
  plan.arena_bytes = best.arena_bytes;
  plan.order = order;
  plan.in_place_of = life.in_place_of;
  plan.offsets.assign(num_tensors, -1);
  for (std::size_t t = 0; t < num_tensors; ++t)
    if (buffer_of[t] >= 0) plan.offsets[t] = best.offsets[static_cast<std::size_t>(buffer_of[t])];
  return plan;
}

std::vector<std::string> check_plan(const LayerGraph& graph, const ArenaPlan& plan, const ArenaOptions& options) {
  std::vector<std::string> problems;
  Lifetimes life;
  try {
    life = lifetimes(graph, plan.order, options);
  } catch (const std::invalid_argument& e) {
    return {e.what()};
  }
  const std::size_t num_tensors = graph.tensors().size();
  if (plan.offsets.size() != num_tensors || plan.in_place_of.size() != num_tensors)
    return {"the plan has " + std::to_string(plan.offsets.size()) + " offsets and " + std::to_string(plan.in_place_of.size()) +
            " in-place entries for " + std::to_string(num_tensors) + " tensors"};
  const auto name = [](std::size_t t) { return "tensor " + std::to_string(t); };
  const auto bytes = [&](std::size_t t) { return graph.tensors()[t].bytes(); };

  for (std::size_t t = 0; t < num_tensors; ++t) {
    const std::int64_t offset = plan.offsets[t];
    if (life.first[t] < 0) {
      if (offset != -1) problems.push_back(name(t) + " is not in the arena but has offset " + std::to_string(offset));
      continue;
    }
    if (offset < 0 || offset + bytes(t) > plan.arena_bytes)
      problems.push_back(name(t) + " at [" + std::to_string(offset) + ", " + std::to_string(offset + bytes(t)) +
                         ") lies outside the arena of " + std::to_string(plan.arena_bytes) + " bytes");
  }

  // An in-place entry must be one the rule allows: the output of an Add reusing an input of its
  // shape, in the arena, not the network output, read by nothing after the Add, at its offset.
  std::vector<bool> shares(num_tensors, false);  // the output really shares its input's buffer
  for (std::size_t t = 0; t < num_tensors; ++t) {
    const int source = plan.in_place_of[t];
    if (source < 0) continue;
    const auto u = static_cast<std::size_t>(source);
    const int producer = graph.tensors()[t].producer;
    const bool legal = producer >= 0 && graph.op(producer).kind == OpKind::kAdd && u < num_tensors &&
                       std::count(graph.op(producer).inputs.begin(), graph.op(producer).inputs.end(), source) > 0 &&
                       graph.tensors()[u].shape == graph.tensors()[t].shape && source != graph.output() &&
                       life.first[u] >= 0 && life.last[u] == life.first[t];
    if (!legal)
      problems.push_back(name(t) + " cannot reuse the buffer of tensor " + std::to_string(source) +
                         ": it is not an Add input of its shape that nothing later reads");
    else if (plan.offsets[t] != plan.offsets[u])
      problems.push_back(name(t) + " runs in place of tensor " + std::to_string(source) + " but has offset " +
                         std::to_string(plan.offsets[t]) + ", not " + std::to_string(plan.offsets[u]));
    else
      shares[t] = true;
  }

  for (std::size_t a = 0; a < num_tensors; ++a) {
    if (life.first[a] < 0) continue;
    for (std::size_t b = a + 1; b < num_tensors; ++b) {
      if (life.first[b] < 0) continue;
      const int from = std::max(life.first[a], life.first[b]), to = std::min(life.last[a], life.last[b]);
      if (from > to) continue;
      const std::int64_t oa = plan.offsets[a], ob = plan.offsets[b];
      if (oa >= ob + bytes(b) || ob >= oa + bytes(a)) continue;
      const bool same_buffer = (shares[b] && plan.in_place_of[b] == static_cast<int>(a)) ||
                               (shares[a] && plan.in_place_of[a] == static_cast<int>(b));
      if (same_buffer) continue;
      problems.push_back("tensors " + std::to_string(a) + " and " + std::to_string(b) + " overlap at step " +
                         std::to_string(from) + ": [" + std::to_string(oa) + ", " + std::to_string(oa + bytes(a)) +
                         ") and [" + std::to_string(ob) + ", " + std::to_string(ob + bytes(b)) + ")");
    }
  }

  // The bytes alive at each step, an in-place output counted once with its input.
  for (int s = 0; s < life.steps; ++s) {
    std::int64_t live = 0;
    for (std::size_t t = 0; t < num_tensors; ++t)
      if (life.first[t] >= 0 && life.first[t] <= s && s <= life.last[t] && !(shares[t] && life.first[t] == s)) live += bytes(t);
    if (live > plan.arena_bytes)
      problems.push_back("step " + std::to_string(s) + " has " + std::to_string(live) + " live bytes, more than the arena's " +
                         std::to_string(plan.arena_bytes));
  }
  return problems;
}

}  // namespace unas::resources
