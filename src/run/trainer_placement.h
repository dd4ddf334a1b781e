#pragma once
// Where each trainer rank trains. A node's trainer ranks (every rank but 0; rank 0 too when it is
// the only one) are numbered 0..T-1 in rank order and go round-robin over the node's GPUs:
// trainer k on cuda:(k mod G). Launched with T = G x N ranks per node, every GPU gets N trainers
// ([run] trainers_per_gpu = N, what the Slurm scripts' --trainers-per-gpu sizes the job for; CUDA
// MPS lets them run side by side). Without a GPU every trainer uses the CPU, one rank per core as
// before. An experiment that names a device ([training] device = "cpu" or "cuda:N") keeps it.
// The device and host go with each result into the results file (the utilisation timeline).
#include <string>

#include "run/experiment_config.h"

namespace unas::run {

struct Placement {
  int node_trainers = 0;  // trainer ranks on this node
  int node_index = -1;    // this rank's number among them; -1 for a rank that does not train
  int gpus = 0;           // GPUs its node has ([simulate] gpus in tests); 0 for a rank that does not train
  std::string host;
  std::string device;     // what it trains on: "cpu", "cuda:N"
};

// Trainer `index` of a node with `gpus` GPUs: "cuda:(index mod gpus)", or "cpu" without GPUs.
std::string trainer_device(int index, int gpus);

// What a node's log should say when its T trainers do not put `per_gpu` on each of its G GPUs
// (more: they queue behind each other; fewer: GPUs stay emptier than planned); "" when they do,
// and without GPUs.
std::string placement_warning(int trainers, int gpus, int per_gpu);

// Collective over MPI_COMM_WORLD: every rank calls it, after MPI_Init.
Placement place_rank(const ExperimentConfig& config, int rank, int size);

// The experiment as a placed trainer trains it: device "auto" replaced by the placement's.
ExperimentConfig with_device(ExperimentConfig config, const Placement& placement);

}  // namespace unas::run
