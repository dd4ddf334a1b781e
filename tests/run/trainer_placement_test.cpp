// run/trainer_placement.h's rules without MPI: which device trainer k of a node takes, and when a
// node's log warns that its ranks do not match [run] trainers_per_gpu.
#include "run/trainer_placement.h"

#include <gtest/gtest.h>

#include <map>

namespace unas::run {
namespace {

TEST(TrainerPlacement, RoundRobinPutsTrainersPerGpuOnEveryGpu) {
  for (int gpus : {1, 2, 3, 8})
    for (int per_gpu : {1, 2, 4}) {
      std::map<std::string, int> load;
      for (int k = 0; k < gpus * per_gpu; ++k) ++load[trainer_device(k, gpus)];
      ASSERT_EQ(static_cast<int>(load.size()), gpus);
      for (const auto& [device, trainers] : load) EXPECT_EQ(trainers, per_gpu) << device;
      EXPECT_EQ(placement_warning(gpus * per_gpu, gpus, per_gpu), "");
    }
  EXPECT_EQ(trainer_device(5, 4), "cuda:1");
  EXPECT_EQ(trainer_device(5, 0), "cpu");
}

TEST(TrainerPlacement, AMismatchIsSaidAndTheCpuHasNone) {
  EXPECT_EQ(placement_warning(3, 2, 2),
            "3 trainer ranks on 2 GPUs: 1 to 2 per GPU, where [run] trainers_per_gpu = 2 plans 4 ranks per node "
            "(+ 1 for rank 0 on its node)");
  EXPECT_EQ(placement_warning(16, 8, 1),
            "16 trainer ranks on 8 GPUs: 2 per GPU, where [run] trainers_per_gpu = 1 plans 8 ranks per node "
            "(+ 1 for rank 0 on its node)");
  EXPECT_EQ(placement_warning(2, 0, 4), "");  // no GPU: trainers per core
}

}  // namespace
}  // namespace unas::run
