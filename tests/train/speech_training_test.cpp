// Real training on the spoken Speech Commands stand-in (scripts/prepare-data.sh makes it): the
// stand-in must be learnable, through the whole speech pipeline (noise mixing, shifts, MFCC).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "data/load_dataset.h"
#include "support/architectures.h"
#include "train/trainer.h"

namespace unas::train {
namespace {

using namespace unas::testing;

TEST(SpeechTraining, TheStandInIsLearnableWellAboveChance) {
  const std::filesystem::path path = std::filesystem::path(UNAS_SOURCE_DIR) / "data/speech-commands-standin";
  if (!std::filesystem::exists(path / "STAND-IN.txt"))
    GTEST_SKIP() << path << " is missing: run scripts/prepare-data.sh";
  const auto started = std::chrono::steady_clock::now();
  const data::Dataset d = data::load_dataset({"speech_commands", path, 0, 0, false, 0});
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(d.input, (resources::TensorShape{98, 40, 1}));

  // A small CNN of the search space: 98x40 -> 48x19 -> 23x9 -> 11x4, 2x2 average pooling.
  const Architecture net{{serial({conv(3, 16, true), conv(3, 32, true)}), serial({conv(3, 32, true)})},
                         Pooling{PoolType::kAvg, 2},
                         {DenseBlock{64}}};
  TrainConfig config;
  config.optimizer.kind = "adamw";
  config.optimizer.weight_decay = 1e-5;
  config.optimizer.schedule = {{0, 2e-3}, {8, 5e-4}};
  config.epochs = 10;
  config.batch_size = 50;
  const TrainResult r = train_candidate(net, d, config, 1);
  std::printf(
      "measured: %lld train / %lld validation / %lld test clips loaded in %.1f s; validation error %.3f, "
      "test error %.3f after %d epochs, %.0f clips/s\n",
      static_cast<long long>(d.train.size()), static_cast<long long>(d.validation.size()),
      static_cast<long long>(d.test.size()), load_seconds, r.val_error, r.test_error, config.epochs,
      r.samples_per_second);
  EXPECT_LT(r.val_error, 0.25);   // measured 0.146; chance is 11/12 = 0.917
  EXPECT_LT(r.test_error, 0.25);  // measured 0.122
}

}  // namespace
}  // namespace unas::train
