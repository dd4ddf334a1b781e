#include "train/device.h"

#include <malloc.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <string>

namespace unas::train {

int local_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID", "PMIX_LOCAL_RANK"})
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return 0;
}

int visible_gpus() { return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

torch::Device select_device(int rank) {
  const int gpus = visible_gpus();
  if (gpus > 0) return torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(rank % gpus));
  return torch::Device(torch::kCPU);
}

void tune_allocator_for_training() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace unas::train
