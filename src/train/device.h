#pragma once
// Where a trainer runs: the GPU of its node-local rank when LibTorch has CUDA, else the CPU
// with a fixed thread count.
#include <torch/types.h>

namespace unas::train {

// The node-local rank from the launcher's environment (OpenMPI, Slurm, MPICH, PMIx), or 0.
int local_rank();

// cuda:(local_rank mod GPUs) when CUDA is available, otherwise the CPU. (unas run and retrain
// place their trainers themselves, run/trainer_placement.h; this serves `unas train`.)
torch::Device select_device(int local_rank);

// The GPUs this process can use: 0 without CUDA.
int visible_gpus();

// glibc malloc hands large activation buffers back to the kernel after each step and faults
// them in again on the next; keeping them mapped made steps ~2x faster here (LIBTORCH-NOTES).
void tune_allocator_for_training();

}  // namespace unas::train
