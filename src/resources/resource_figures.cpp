#include "resources/resource_figures.h"

#include "resources/macs.h"
#include "resources/model_size.h"

namespace unas::resources {

ResourceFigures measure_resources(const LayerGraph& graph, const ResourceOptions& options) {
  PeakMemoryOptions memory_options;
  memory_options.include_input = options.include_input;
  const Schedule schedule = optimal_schedule(graph, memory_options);
  ResourceFigures figures;
  figures.peak_memory_bytes = schedule.peak_bytes;
  figures.model_size_bytes = model_size_bytes(graph, options.sparse);
  figures.macs = macs(graph);
  for (int op : schedule.order) figures.order.push_back(graph.op(op).name);
  return figures;
}

}  // namespace unas::resources
