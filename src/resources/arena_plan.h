#pragma once
// A static memory plan for int8 deployment: every tensor of a layer graph gets a byte offset in
// one arena, for a given execution order, so that no two tensors alive at the same step share a
// byte. The arena can never be smaller than the order's peak memory (peak_of_order): that many
// bytes are alive at once. A plan that reaches it wastes nothing to fragmentation.
//
// Lifetimes follow the peak-memory model exactly: a tensor lives from the step of its producer
// (the network input from step 0) to the step of its last consumer, inclusive; the network
// output lives to the end. An Add whose input has the output's shape, is not the network output
// and is read by no later op accumulates into that input: the output reuses its buffer.
// So the bytes alive at each step are the working set the peak-memory model counts, and the
// lower bound is peak_of_order(graph, order, {include_input}). One exception: an Add that the
// model lets accumulate into a network input left out of the arena gets a buffer of its own
// here (the caller's input is never written over). Built architectures never have one: every
// block has a layer, so their Adds read layer outputs.
#include <cstdint>
#include <string>
#include <vector>

#include "resources/layer_graph.h"

namespace unas::resources {

struct ArenaOptions {
  // The network input in the arena or not. The peak-memory model leaves it out by default;
  // then the caller supplies the input buffer and no tensor is ever placed in place on it.
  bool include_input = false;
  // Only TFLite Micro's greedy-by-size planner (for comparison): no other orderings, no search.
  bool greedy_by_size_only = false;
};

struct ArenaPlan {
  std::int64_t arena_bytes = 0;
  std::vector<std::int64_t> offsets;  // per tensor id; -1 for a tensor not in the arena
  std::vector<int> in_place_of;       // per tensor id: the input an in-place Add output reuses, else -1
  std::vector<int> order;             // the op order planned for
};

// Plans the arena for running the ops in `order` (every op once, inputs before consumers;
// throws std::invalid_argument otherwise). Tries TFLite Micro's greedy-by-size and several
// other first-fit orderings, then, for a few buffers, an exact search; stops early once the
// arena equals the live-bytes lower bound.
ArenaPlan plan_arena(const LayerGraph& graph, const std::vector<int>& order, const ArenaOptions& options = {});

// Every violation found, one readable line each; empty when the plan is valid: every arena
// tensor lies inside [0, arena_bytes), no two tensors alive at the same step overlap (an
// in-place Add output and the input it reuses may coincide exactly), every in-place entry is
// one the rule allows, and arena_bytes is at least the live bytes of every step.
std::vector<std::string> check_plan(const LayerGraph& graph, const ArenaPlan& plan, const ArenaOptions& options = {});

}  // namespace unas::resources
