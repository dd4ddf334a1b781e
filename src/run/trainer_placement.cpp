#include "run/trainer_placement.h"

#define OMPI_SKIP_MPICXX 1
#include <fmt/format.h>
#include <mpi.h>

#include <numeric>
#include <vector>

#include "common/wall_clock.h"
#include "train/device.h"

namespace unas::run {

std::string trainer_device(int index, int gpus) { return gpus > 0 ? fmt::format("cuda:{}", index % gpus) : "cpu"; }

std::string placement_warning(int trainers, int gpus, int per_gpu) {
  if (gpus <= 0 || trainers == gpus * per_gpu) return "";
  const int most = (trainers + gpus - 1) / gpus, least = trainers / gpus;
  const std::string share = most == least ? fmt::format("{} per GPU", most) : fmt::format("{} to {} per GPU", least, most);
  return fmt::format("{} trainer ranks on {} GPU{}: {}, where [run] trainers_per_gpu = {} plans {} ranks per node "
                     "(+ 1 for rank 0 on its node)",
                     trainers, gpus, gpus == 1 ? "" : "s", share, per_gpu, gpus * per_gpu);
}

Placement place_rank(const ExperimentConfig& config, int rank, int size) {
  Placement p;
  p.host = host_name();
  // The ranks sharing this node's memory are the node's ranks, in world-rank order.
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  int node_size = 1, node_rank = 0;
  MPI_Comm_size(node, &node_size);
  MPI_Comm_rank(node, &node_rank);
  const int trains = size == 1 || rank > 0 ? 1 : 0;
  std::vector<int> trainers(static_cast<std::size_t>(node_size));
  MPI_Allgather(&trains, 1, MPI_INT, trainers.data(), 1, MPI_INT, node);
  MPI_Comm_free(&node);
  p.node_trainers = std::accumulate(trainers.begin(), trainers.end(), 0);
  if (trains) {  // rank 0 of a job with trainers never asks CUDA: it only searches
    p.gpus = config.simulate && config.simulate->gpus > 0 ? config.simulate->gpus : train::visible_gpus();
    p.node_index = std::accumulate(trainers.begin(), trainers.begin() + node_rank, 0);
    p.device = config.training.device == "auto" ? trainer_device(p.node_index, p.gpus) : config.training.device;
  }
  return p;
}

ExperimentConfig with_device(ExperimentConfig config, const Placement& placement) {
  if (!placement.device.empty()) config.training.device = config.inherited_training.device = placement.device;
  return config;
}

}  // namespace unas::run
