// Checks the optimised peak-memory search against a reference written independently here:
// working sets taken straight from the definition (tensors alive = produced and still read
// later), minimised over every topological order by plain memoised recursion.
#include <gtest/gtest.h>

#include <bitset>
#include <cstdlib>
#include <limits>
#include <unordered_map>

#include "arch/random_architecture.h"
#include "resources/build_layer_graph.h"
#include "resources/peak_memory.h"

namespace unas::resources {
namespace {

using Done = std::bitset<128>;

class Reference {
 public:
  Reference(const LayerGraph& g, bool include_input) : g_(g), include_input_(include_input) {}

  // std::nullopt when the graph has more orders' states than `limit`.
  std::optional<std::int64_t> min_peak(std::size_t limit) {
    limit_ = limit;
    memo_.clear();
    const std::int64_t best = solve(Done{});
    if (memo_.size() > limit_) return std::nullopt;
    return best;
  }

 private:
  std::int64_t size(int t) const { return g_.tensor(t).producer < 0 && !include_input_ ? 0 : g_.tensor(t).bytes(); }

  bool available(const Done& done, int t) const { return g_.tensor(t).producer < 0 || done[g_.tensor(t).producer]; }

  bool read_after(const Done& done, int t, int running) const {
    if (t == g_.output()) return true;
    for (int c : g_.tensor(t).consumers)
      if (!done[c] && c != running) return true;
    return false;
  }

  std::int64_t working_set(const Done& done, int op) const {
    std::int64_t total = 0;
    const Op& o = g_.op(op);
    for (int t = 0; t < static_cast<int>(g_.tensors().size()); ++t) {
      const bool is_input = std::find(o.inputs.begin(), o.inputs.end(), t) != o.inputs.end();
      if (available(done, t) && (is_input || read_after(done, t, op))) total += size(t);
    }
    bool in_place = false;
    if (o.kind == OpKind::kAdd)
      for (int t : o.inputs)
        in_place = in_place || (g_.tensor(t).shape == g_.tensor(o.output).shape && !read_after(done, t, op));
    return total + (in_place ? 0 : size(o.output));
  }

  std::int64_t solve(const Done& done) {
    if (done.count() == g_.ops().size()) return 0;
    if (const auto it = memo_.find(done); it != memo_.end()) return it->second;
    if (memo_.size() > limit_) return 0;
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    for (int op = 0; op < static_cast<int>(g_.ops().size()); ++op) {
      if (done[op]) continue;
      bool ready = true;
      for (int t : g_.op(op).inputs) ready = ready && available(done, t);
      if (!ready) continue;
      Done next = done;
      next[op] = true;
      best = std::min(best, std::max(working_set(done, op), solve(next)));
    }
    memo_[done] = best;
    return best;
  }

  const LayerGraph& g_;
  bool include_input_;
  std::size_t limit_ = 0;
  std::unordered_map<Done, std::int64_t> memo_;
};

TEST(PeakMemoryReference, MatchesExhaustiveSearchOnRandomArchitectures) {
  Rng rng(41);
  const char* env = std::getenv("UNAS_REFERENCE_ARCHS");  // raise for a long stress run
  const int count = env ? std::atoi(env) : 1'500;
  int checked = 0, branchy = 0;
  for (int k = 0; k < count; ++k) {
    const arch::Architecture a = arch::random_architecture(rng);
    const bool include_input = k % 3 == 0;
    const LayerGraph g = build_layer_graph(a, {32, 32, 3}, 10);
    const auto expected = Reference(g, include_input).min_peak(200'000);
    if (!expected) continue;
    PeakMemoryOptions options;
    options.include_input = include_input;
    ASSERT_EQ(optimal_schedule(g, options).peak_bytes, *expected) << k;
    checked++;
    for (const auto& b : a.conv_blocks) branchy += b.is_branch;
  }
  EXPECT_GT(checked, count * 14 / 15);
  EXPECT_GT(branchy, count * 4 / 3);
}

Op op_of(OpKind kind, std::string name) {
  Op op;
  op.kind = kind;
  op.name = std::move(name);
  return op;
}

// Fork-joins of chains with random tensor sizes: zig-zags, plateaus, and Adds with and without
// an input of the output's shape. This is where pruning of the search could go wrong.
TEST(PeakMemoryReference, MatchesExhaustiveSearchOnRandomForkJoins) {
  Rng rng(42);
  const char* env = std::getenv("UNAS_FORK_JOIN_TRIALS");  // raise for a long stress run
  const int trials = env ? std::atoi(env) : 3'000;
  for (int trial = 0; trial < trials; ++trial) {
    // Few distinct sizes in some trials, so that plateaus and ties between tensors are common.
    const int largest_size = rng.bernoulli(0.3) ? 4 : 60;
    const auto random_size = [&] { return TensorShape{1, 1, static_cast<int>(rng.uniform_int(1, largest_size))}; };
    LayerGraph g(random_size());
    int source = g.input();
    if (rng.bernoulli(0.5)) source = g.add_op(op_of(OpKind::kConv2D, "src"), {source}, random_size());
    const int stages = static_cast<int>(rng.uniform_int(1, 2));
    for (int stage = 0; stage < stages; ++stage) {
      const int chains = static_cast<int>(rng.uniform_int(1, 5));
      std::vector<int> ends;
      TensorShape largest{1, 1, 1};
      for (int c = 0; c < chains; ++c) {
        int x = source;
        const int length = static_cast<int>(rng.uniform_int(1, 4));
        for (int l = 0; l < length; ++l)
          x = g.add_op(op_of(OpKind::kConv2D, "op"), {x}, random_size());
        ends.push_back(x);
        largest.channels = std::max(largest.channels, g.tensor(x).shape.channels);
      }
      if (ends.size() == 1) {
        source = ends[0];
        continue;
      }
      // Sometimes no input has the output's shape, so the Add needs a buffer of its own.
      if (rng.bernoulli(0.3)) largest.channels += 1;
      source = g.add_op(op_of(OpKind::kAdd, "add"), ends, largest);
    }
    if (rng.bernoulli(0.5)) source = g.add_op(op_of(OpKind::kDense, "tail"), {source}, random_size());
    g.set_output(source);
    const bool include_input = rng.bernoulli(0.5);
    const auto expected = Reference(g, include_input).min_peak(1'000'000);
    ASSERT_TRUE(expected.has_value());
    PeakMemoryOptions options;
    options.include_input = include_input;
    const Schedule s = optimal_schedule(g, options);
    ASSERT_EQ(s.peak_bytes, *expected) << "trial " << trial;
    ASSERT_EQ(peak_of_order(g, s.order, options), s.peak_bytes);
  }
}

}  // namespace
}  // namespace unas::resources
