// Mixing speech clips with background noise and time shifts, and the speech input pipeline.
#include "data/speech_augmentation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/speech_pipeline.h"

namespace unas::data {
namespace {

constexpr std::int64_t kSamples = 16000;

// A clip that is silent but for one click at sample 8 000.
torch::Tensor clicks(std::int64_t n) {
  torch::Tensor c = torch::zeros({n, kSamples}, torch::kInt16);
  c.select(1, 8000).fill_(16384);  // 0.5
  return c;
}

std::vector<torch::Tensor> constant_noise() { return {torch::full({3 * kSamples}, 8192, torch::kInt16)}; }  // 0.25

TEST(SpeechAugmentation, ShiftsMoveTheClipWithinTheRangeWithZeroFill) {
  Rng rng(1);
  const torch::Tensor mixed = mix_clips(clicks(200), torch::zeros({200}, torch::kBool), {}, {1600, 0.0, 0.0}, rng);
  int earlier = 0, later = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(mixed[i].ne(0).sum().item<int>(), 1);  // the click, nothing else
    const auto at = mixed[i].argmax().item<std::int64_t>();
    ASSERT_GE(at, 8000 - 1600);
    ASSERT_LT(at, 8000 + 1600);
    EXPECT_FLOAT_EQ(mixed[i][at].item<float>(), 0.5f);
    earlier += at < 8000;
    later += at > 8000;
  }
  EXPECT_GT(earlier, 80);
  EXPECT_GT(later, 80);
  // No wrap-around: a click at sample 0 is gone when the same draw as row 0's shifts it left.
  const torch::Tensor edge = torch::zeros({1, kSamples}, torch::kInt16);
  edge[0][0] = 1000;
  Rng again(1);
  const bool left = mixed[0].argmax().item<std::int64_t>() < 8000;
  EXPECT_EQ(mix_clips(edge, torch::zeros({1}, torch::kBool), {}, {1600, 0.0, 0.0}, again).ne(0).sum().item<int>(),
            left ? 0 : 1);
}

TEST(SpeechAugmentation, NoiseIsMixedOftenAndQuietlyAndSilenceIsNoiseAlone) {
  Rng rng(2);
  const int n = 1000;
  const torch::Tensor silence = torch::arange(n) < 100;
  const torch::Tensor mixed = mix_clips(clicks(n), silence, constant_noise(), {0, 0.8, 0.1}, rng);
  // Noise level of each row, read away from the click: 0.25 * volume.
  const torch::Tensor level = mixed.select(1, 100) / 0.25;
  const torch::Tensor words = level.slice(0, 100), quiet = level.slice(0, 0, 100);
  EXPECT_NEAR(words.gt(0).to(torch::kFloat32).mean().item<double>(), 0.8, 0.04);  // background_frequency
  EXPECT_LT(words.max().item<double>(), 0.1);                                     // background_volume
  EXPECT_GT(quiet.max().item<double>(), 0.9);                                     // silence: U(0, 1)
  EXPECT_LT(quiet.mean().item<double>(), 0.6);
  EXPECT_GT(quiet.mean().item<double>(), 0.4);
  EXPECT_NEAR(mixed[150][8000].item<double>() - mixed[150][100].item<double>(), 0.5, 1e-6);  // the word's click
  EXPECT_EQ(mixed[50][8000].item<double>(), mixed[50][100].item<double>());                  // silence mutes it
  // Without augmentation only silence gets noise; the sum is clamped to [-1, 1].
  Rng plain(3);
  torch::Tensor loud = torch::full({4, kSamples}, 32767, torch::kInt16);
  const torch::Tensor clean = mix_clips(loud, torch::tensor({false, false, true, true}), constant_noise(), {}, plain);
  EXPECT_TRUE(clean.slice(0, 0, 2).eq(32767.0f / 32768).all().item<bool>());
  EXPECT_GT(clean.slice(0, 2).abs().sum().item<double>(), 0.0);
  Rng loudest(4);
  EXPECT_LE(
      mix_clips(loud, torch::zeros({4}, torch::kBool), constant_noise(), {0, 1.0, 40.0}, loudest).max().item<float>(),
      1.0f);
}

TEST(SpeechAugmentation, ASeedRepeatsItsDraws) {
  const torch::Tensor clips = torch::randint(-3000, 3000, {20, kSamples}, torch::kInt16);
  const torch::Tensor silence = torch::arange(20) < 4;
  const std::vector<torch::Tensor> noise = {torch::randint(-9000, 9000, {2 * kSamples}, torch::kInt16),
                                            torch::randint(-500, 500, {4 * kSamples}, torch::kInt16)};
  const SpeechAugmentation a{1600, 0.8, 0.1};
  Rng r1(7), r2(7), r3(8);
  const torch::Tensor first = mix_clips(clips, silence, noise, a, r1);
  EXPECT_TRUE(first.equal(mix_clips(clips, silence, noise, a, r2)));
  EXPECT_FALSE(first.equal(mix_clips(clips, silence, noise, a, r3)));
}

TEST(SpeechPipeline, TrainingBatchesAreAugmentedFeaturesAndCachedFeaturesPassThrough) {
  const SpeechPipeline pipeline({torch::randint(-9000, 9000, {3 * kSamples}, torch::kInt16)}, {1600, 0.8, 0.1},
                                MfccSettings{}, 0);
  const torch::Tensor clips = torch::randint(-3000, 3000, {6, kSamples}, torch::kInt16);
  const torch::Tensor labels = torch::tensor(std::vector<std::int64_t>{0, 3, 4, 5, 0, 2});
  const torch::Tensor rows = torch::tensor(std::vector<std::int64_t>{5, 1, 0});
  Rng a(11), b(11);
  const torch::Tensor x = pipeline.inputs(clips, labels, rows, &a);
  EXPECT_EQ(x.sizes(), (std::vector<std::int64_t>{3, 1, 98, 40}));
  EXPECT_EQ(x.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(x.equal(pipeline.inputs(clips, labels, rows, &b)));  // same seed, same batch
  const torch::Tensor plain = pipeline.inputs(clips, labels, rows, nullptr);
  EXPECT_FALSE(x.equal(plain));
  // Evaluation without augmentation: a word clip's features are its plain MFCC.
  EXPECT_TRUE(plain[1][0].equal(Mfcc()(clips.slice(0, 1, 2).to(torch::kFloat32) / 32768)[0]));

  Rng c(12);
  const torch::Tensor cached = pipeline.features(clips, labels, c);
  EXPECT_TRUE(pipeline.inputs(cached, labels, rows, nullptr).equal(cached.index_select(0, rows)));
  EXPECT_EQ(pipeline.describe()["augmentation"]["time_shift_ms"], 100.0);
}

}  // namespace
}  // namespace unas::data
