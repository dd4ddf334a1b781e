#pragma once
// Peak memory usage (PMU) of a layer graph on a runtime that executes one operator at a time,
// in full, keeping every tensor until its last consumer has run (paper §3.4).
//
// The working set while an operator runs is every tensor still needed later, plus its inputs
// and its output. An Add may accumulate into an input of its output's shape that nothing later
// reads, and then needs no output buffer. The network input is not counted unless asked.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "resources/layer_graph.h"

namespace unas::resources {

struct PeakMemoryOptions {
  bool include_input = false;
  // The exact search gives up (PeakMemoryError) past this many visited states (~70 bytes
  // each) rather than exhaust memory; ten parallel three-layer branches need under 10^4.
  std::size_t max_states = 10'000'000;
};

struct Schedule {
  std::int64_t peak_bytes = 0;
  std::vector<int> order;  // op ids in execution order
};

class PeakMemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The minimum peak over all topological orders of the graph, and an order that achieves it.
Schedule optimal_schedule(const LayerGraph& graph, const PeakMemoryOptions& options = {});

// The peak of running the ops in `order` (every op once, inputs before consumers).
std::int64_t peak_of_order(const LayerGraph& graph, const std::vector<int>& order, const PeakMemoryOptions& options = {});

// The order in which the ops were added to the graph (the network's definition order).
std::vector<int> definition_order(const LayerGraph& graph);

// A bound no order can beat: the largest working set of any single op on its own
// (its inputs and its output, or just its inputs for an Add that can run in place).
std::int64_t peak_lower_bound(const LayerGraph& graph, const PeakMemoryOptions& options = {});

}  // namespace unas::resources
