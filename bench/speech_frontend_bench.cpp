// Speech front-end throughput at one thread: a training batch of 50 one-second clips mixed with
// noise and turned into MFCC features by SpeechPipeline (FFTW), beside the spectrogram stage
// alone done with torch::fft::rfft (what the FFTW choice in data/mfcc.cpp was measured against).
//   speech_frontend_bench [--batches N]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "data/speech_pipeline.h"

namespace {

using namespace unas;

template <class F>
double seconds_per_call(int calls, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < calls; ++k) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / calls;
}

}  // namespace

int main(int argc, char** argv) {
  int batches = 20;
  for (int k = 1; k < argc; ++k)
    if (std::strcmp(argv[k], "--batches") == 0 && k + 1 < argc) batches = std::stoi(argv[++k]);
  torch::set_num_threads(1);
  constexpr std::int64_t kBatch = 50, kSamples = 16000;
  const torch::Tensor clips = torch::randint(-8000, 8000, {kBatch, kSamples}, torch::kInt16);
  const torch::Tensor labels = torch::randint(0, 12, {kBatch}, torch::kInt64);
  const torch::Tensor rows = torch::arange(kBatch);
  const data::SpeechPipeline pipeline({torch::randint(-8000, 8000, {60 * kSamples}, torch::kInt16)}, {1600, 0.8, 0.1},
                                      data::MfccSettings{}, 0);
  Rng rng(1);
  const double whole = seconds_per_call(batches, [&] { pipeline.inputs(clips, labels, rows, &rng); });
  const double mixing = seconds_per_call(batches, [&] {
    data::mix_clips(clips, labels.eq(0), {}, {1600, 0.8, 0.1}, rng);
  });

  const torch::Tensor window = torch::hann_window(480, torch::TensorOptions().dtype(torch::kFloat64));  // periodic
  const torch::Tensor waves = clips.to(torch::kFloat64) / 32768;
  const double torch_fft = seconds_per_call(batches, [&] {
    const torch::Tensor frames = waves.unfold(1, 480, 160) * window;
    torch::fft::rfft(frames, 512).abs();
  });
  const torch::Tensor waves32 = waves.to(torch::kFloat32), window32 = window.to(torch::kFloat32);
  const double torch_fft32 =
      seconds_per_call(batches, [&] { torch::fft::rfft(waves32.unfold(1, 480, 160) * window32, 512).abs(); });
  std::printf(
      "batch of %lld clips, one thread: SpeechPipeline (mix + MFCC, FFTW double) %.1f ms, of which mixing %.1f ms; "
      "torch rfft + abs alone: %.1f ms (double), %.1f ms (float)\n",
      static_cast<long long>(kBatch), 1e3 * whole, 1e3 * mixing, 1e3 * torch_fft, 1e3 * torch_fft32);
}
