// The MFCC front end against a computation written here plainly from the definitions: a direct
// DFT, triangular mel filters from their corner frequencies, the log and a DCT-II.
#include "data/mfcc.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace unas::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

double mel(double hz) { return 1127.0 * std::log(1.0 + hz / 700.0); }

// Coefficients of the frame starting at `start`, for the default settings.
std::vector<double> reference_mfcc(const std::vector<double>& clip, int start) {
  const MfccSettings s;
  const int n = s.window_samples, fft = 512, channels = s.filterbank_channels;
  // |DFT| of the Hann-windowed frame, zero-padded to 512 points.
  std::vector<double> magnitude(fft / 2 + 1);
  for (int k = 0; k <= fft / 2; ++k) {
    double re = 0, im = 0;
    for (int i = 0; i < n; ++i) {
      const double x = clip[static_cast<std::size_t>(start + i)] * (0.5 - 0.5 * std::cos(2 * kPi * i / n));
      const double angle = 2 * kPi * ((k * i) % fft) / fft;  // reduced: exact periodicity, fewer rounding errors
      re += x * std::cos(angle);
      im -= x * std::sin(angle);
    }
    magnitude[static_cast<std::size_t>(k)] = std::sqrt(re * re + im * im);
  }
  // Channel c is a triangle over mel: 0 at corner c, 1 at corner c + 1, 0 at corner c + 2, with
  // channels + 2 corners evenly spaced from mel(lower) to mel(upper). The bins read are those
  // of TensorFlow's (HTK's) rule: DC and the bins below lower + 1.5 bins out, up to upper.
  const double hz_per_bin = 8000.0 / 256;
  const int first = static_cast<int>(1.5 + s.lower_hz / hz_per_bin), last = static_cast<int>(s.upper_hz / hz_per_bin);
  const auto corner = [&](int i) { return mel(s.lower_hz) + i * (mel(s.upper_hz) - mel(s.lower_hz)) / (channels + 1); };
  std::vector<double> log_mel(static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    double sum = 0;
    for (int k = first; k <= last; ++k) {
      const double m = mel(k * hz_per_bin), lo = corner(c), mid = corner(c + 1), hi = corner(c + 2);
      const double w = m <= lo || m >= hi ? 0.0 : m <= mid ? (m - lo) / (mid - lo) : (hi - m) / (hi - mid);
      sum += w * magnitude[static_cast<std::size_t>(k)];
    }
    log_mel[static_cast<std::size_t>(c)] = std::log(std::max(sum, 1e-12));
  }
  std::vector<double> out(static_cast<std::size_t>(s.coefficients));
  for (int i = 0; i < s.coefficients; ++i)
    for (int j = 0; j < channels; ++j)
      out[static_cast<std::size_t>(i)] +=
          std::sqrt(2.0 / channels) * std::cos(kPi / channels * (j + 0.5) * i) * log_mel[static_cast<std::size_t>(j)];
  return out;
}

TEST(Mfcc, MatchesAPlainComputationOnTones) {
  // 440 Hz and 1 250 Hz tones, the second fading in, over a quiet 3 kHz one: 1 s at 16 kHz.
  std::vector<double> clip(16000);
  for (std::size_t t = 0; t < clip.size(); ++t) {
    const double time = static_cast<double>(t) / 16000;
    clip[t] = 0.3 * std::sin(2 * kPi * 440 * time) + 0.2 * time * std::sin(2 * kPi * 1250 * time + 0.4) +
              0.01 * std::sin(2 * kPi * 3000 * time);
  }
  const Mfcc mfcc;
  const torch::Tensor features = mfcc(torch::tensor(clip, torch::kFloat64).to(torch::kFloat32).unsqueeze(0));
  ASSERT_EQ(features.sizes(), (std::vector<std::int64_t>{1, 98, 40}));
  const auto computed = features.accessor<float, 3>();
  EXPECT_EQ(mfcc.fft_length(), 512);
  std::vector<double> rounded(clip.begin(), clip.end());  // the float32 samples the front end reads
  for (double& x : rounded) x = static_cast<float>(x);
  double worst = 0;
  for (int frame = 0; frame < 98; ++frame) {
    const std::vector<double> expected = reference_mfcc(rounded, frame * 160);
    for (int k = 0; k < 40; ++k)
      worst = std::max(worst, std::abs(computed[0][frame][k] - expected[static_cast<std::size_t>(k)]));
  }
  std::printf("measured: largest difference to the plain computation %.2e\n", worst);
  EXPECT_LT(worst, 1e-5);  // float32 features of magnitude up to ~100 are rounded by ~4e-6
}

TEST(Mfcc, SilenceIsTheLogFloor) {
  // All channels at the 1e-12 floor: coefficient 0 is 40 ln(1e-12) sqrt(2/40), the rest vanish.
  const torch::Tensor features = Mfcc()(torch::zeros({2, 16000}));
  EXPECT_NEAR(features[1][50][0].item<double>(), 40 * std::log(1e-12) * std::sqrt(2.0 / 40), 1e-3);
  EXPECT_LT(features.slice(2, 1).abs().max().item<double>(), 1e-3);
}

TEST(Mfcc, FramesAreWholeWindowsAtTheStride) {
  const MfccSettings s;
  EXPECT_EQ(s.frames(16000), 98);  // 1 + (16000 - 480) / 160
  EXPECT_EQ(s.frames(480), 1);
  EXPECT_EQ(s.frames(479), 0);
  // A frame sees only its own window: changing samples after frame 0's window leaves it alone.
  torch::Tensor a = torch::rand({1, 1000}) - 0.5, b = a.clone();
  b.slice(1, 480).zero_();
  const Mfcc mfcc;
  EXPECT_TRUE(mfcc(a)[0][0].equal(mfcc(b)[0][0]));
  EXPECT_FALSE(mfcc(a)[0][1].equal(mfcc(b)[0][1]));
  EXPECT_THROW(Mfcc(MfccSettings{16000, 480, 160, 20, 9000}), std::invalid_argument);  // above Nyquist
}

}  // namespace
}  // namespace unas::data
