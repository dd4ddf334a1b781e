#pragma once
// MFCC features computed as the authors' front end does (TensorFlow's audio_spectrogram with
// magnitude_squared, then its mfcc op): frames of a periodic Hann window, the squared magnitude
// of their FFT over the next power of two, triangular mel filters (mel = 1127 ln(1 + f/700),
// DC excluded) summing FFT *magnitudes*, the log with a 1e-12 floor, and a DCT-II in which every
// coefficient is scaled by sqrt(2 / channels).
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace unas::data {

struct MfccSettings {
  int sample_rate = 16000;
  int window_samples = 480;  // 30 ms (SPEC.md)
  int stride_samples = 160;  // 10 ms
  double lower_hz = 20.0;
  double upper_hz = 4000.0;
  int filterbank_channels = 40;  // the op's default
  int coefficients = 40;         // the authors' feature_bin_count

  // Frames in a clip of `samples` samples: whole windows only (98 for 1 s at the defaults).
  int frames(std::int64_t samples) const {
    return samples < window_samples ? 0 : static_cast<int>(1 + (samples - window_samples) / stride_samples);
  }
};

class Mfcc {
 public:
  explicit Mfcc(const MfccSettings& settings = {});
  ~Mfcc();
  Mfcc(const Mfcc&) = delete;
  Mfcc& operator=(const Mfcc&) = delete;

  int fft_length() const { return fft_length_; }
  const MfccSettings& settings() const { return settings_; }

  // Float N×S waveforms in [-1, 1] -> float N×frames×coefficients. Not thread-safe: one FFT
  // work area serves every call.
  torch::Tensor operator()(const torch::Tensor& waveforms) const;

 private:
  struct Fft;  // FFTW's plan and its aligned buffers
  void compute_frame(const float* samples, float* out) const;

  MfccSettings settings_;
  int fft_length_;
  std::vector<double> window_;
  // The filterbank, as TensorFlow stores it: FFT bins first_bin_..last_bin_ each lie on the
  // falling edge of channel band_[bin] (-1: none) with weight_[bin], and on the rising edge of
  // the next channel with 1 - weight_[bin].
  int first_bin_ = 0, last_bin_ = 0;
  std::vector<int> band_;
  std::vector<double> weight_;
  std::vector<double> dct_;  // coefficients × channels
  std::unique_ptr<Fft> fft_;
};

}  // namespace unas::data
