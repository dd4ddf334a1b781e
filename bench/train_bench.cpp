// Training throughput of reference candidates: samples/s of unas' trainer on synthetic
// 48x48x3 / 62-class data, batch 80, and the time of a step (a batch). bench/train_bench.sh runs
// it beside the same model and loop in PyTorch-Python, and with each speed lever switched off;
// bench/device_packing.sh runs N of it at once on one device.
//   train_bench CANDIDATES.json [--threads N] [--samples N] [--device cpu|cuda|cuda:N]
//               [--candidate K] [--start-at UNIX_SECONDS]
//               [--memory-format auto|channels_last|nchw] [--no-malloc-tuning] [--graph-json OUT]
// --candidate: only the K-th (from 0); --start-at: set up (torch, data), then wait until then to
// train, so that processes started one after another train at the same time; OUT: layer graphs
// for the Python side. Builds with LibTorch and header-only libraries alone (UNAS_TRAIN_BENCH_ONLY).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

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
    std::fprintf(stderr, "usage: train_bench CANDIDATES.json [--threads N] [--samples N] [--device D] [--candidate K] "
                         "[--start-at T] [--memory-format F] [--no-malloc-tuning] [--graph-json OUT]\n");
    return 2;
  }
  int threads = 1, samples = 4000, only = -1;
  double start_at = 0;
  std::string memory_format = "auto", device = "cpu";
  bool malloc_tuning = true;
  std::string graph_out;
  for (int k = 2; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--threads") threads = std::atoi(argv[++k]);
    else if (a == "--samples") samples = std::atoi(argv[++k]);
    else if (a == "--memory-format") memory_format = argv[++k];
    else if (a == "--device") device = argv[++k];
    else if (a == "--candidate") only = std::atoi(argv[++k]);
    else if (a == "--start-at") start_at = std::atof(argv[++k]);
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
  config.device = device;

  nlohmann::json graphs = nlohmann::json::array();
  if (start_at > 0)
    std::this_thread::sleep_until(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(start_at))));
  for (std::size_t k = 0; k < archs.size(); ++k) {
    graphs.push_back(graph_json(resources::build_layer_graph(archs[k], d.input, d.num_classes)));
    if (only >= 0 && static_cast<int>(k) != only) continue;
    const train::TrainResult r = train::train_candidate(archs[k], d, config, 1);
    std::printf("candidate %zu: %.0f samples/s, %.2f ms/step\n", k, r.samples_per_second,
                1000.0 * config.batch_size / r.samples_per_second);
  }
  if (!graph_out.empty()) std::ofstream(graph_out) << graphs.dump();
}
