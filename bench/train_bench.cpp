// Training throughput of reference candidates: samples/s of unas' trainer on synthetic
// 48x48x3 / 62-class data, batch 80. bench/train_bench.sh runs it beside the same model and
// loop in PyTorch-Python, and with each speed lever switched off.
//   train_bench CANDIDATES.json [--threads N] [--samples N]
//               [--memory-format auto|channels_last|nchw] [--no-malloc-tuning] [--graph-json OUT]   (OUT: layer graphs for the Python side)
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "arch/json_io.h"
#include "data/image_pipeline.h"
#include "resources/build_layer_graph.h"
#include "train/device.h"
#include "train/trainer.h"

namespace {

using namespace unas;

// The graph as plain JSON, enough for bench/train_bench.py to build the same network.
nlohmann::json graph_json(const resources::LayerGraph& g) {
  static const char* kKinds[] = {"conv", "dwconv", "maxpool", "avgpool", "add", "dense"};
  nlohmann::json ops = nlohmann::json::array();
  for (const resources::Op& op : g.ops()) {
    const auto& in = g.tensor(op.inputs.front()).shape;
    const auto& out = g.tensor(op.output).shape;
    ops.push_back({{"kind", kKinds[static_cast<int>(op.kind)]}, {"inputs", op.inputs}, {"output", op.output},
                   {"in_channels", in.channels}, {"in_features", in.elements()}, {"out_channels", out.channels},
                   {"out_shape", {out.channels, out.height, out.width}}, {"kernel", op.kernel}, {"stride", op.stride},
                   {"pool", {op.pool_height, op.pool_width}}, {"bn", op.batch_norm}, {"relu", op.relu}});
  }
  return {{"ops", ops}, {"output", g.output()}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_bench CANDIDATES.json [--threads N] [--samples N] [--memory-format F] "
                         "[--no-malloc-tuning] [--graph-json OUT]\n");
    return 2;
  }
  int threads = 1, samples = 4000;
  std::string memory_format = "auto";
  bool malloc_tuning = true;
  std::string graph_out;
  for (int k = 2; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--threads") threads = std::atoi(argv[++k]);
    else if (a == "--samples") samples = std::atoi(argv[++k]);
    else if (a == "--memory-format") memory_format = argv[++k];
    else if (a == "--no-malloc-tuning") malloc_tuning = false;
    else if (a == "--graph-json") graph_out = argv[++k];
  }
  if (malloc_tuning) train::tune_allocator_for_training();
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  const auto archs = arch::parse_architectures(text.str());

  torch::manual_seed(0);
  data::Dataset d;
  d.num_classes = 62;
  d.input = {48, 48, 3};
  d.train = {torch::randint(0, 256, {samples, 3, 48, 48}, torch::kUInt8), torch::randint(0, 62, {samples}, torch::kInt64)};
  d.validation = d.train.head(80);
  d.pipeline = std::make_shared<data::ImagePipeline>(data::Augmentation{});
  d.test = d.validation;

  train::TrainConfig config;
  config.optimizer.weight_decay = 1e-4;
  config.epochs = 1;
  config.batch_size = 80;
  config.threads = threads;
  config.memory_format = memory_format;
  config.device = "cpu";

  nlohmann::json graphs = nlohmann::json::array();
  for (std::size_t k = 0; k < archs.size(); ++k) {
    graphs.push_back(graph_json(resources::build_layer_graph(archs[k], d.input, d.num_classes)));
    const train::TrainResult r = train::train_candidate(archs[k], d, config, 1);
    std::printf("candidate %zu: %.0f samples/s\n", k, r.samples_per_second);
  }
  if (!graph_out.empty()) std::ofstream(graph_out) << graphs.dump();
}
