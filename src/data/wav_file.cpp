#include "data/wav_file.h"

#include <fmt/format.h>
#include <sndfile.h>

#include <memory>

#include "data/dataset.h"

namespace unas::data {

namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using Sndfile = std::unique_ptr<SNDFILE, SndfileCloser>;

}  // namespace

torch::Tensor read_wav(const std::filesystem::path& path, int sample_rate) {
  SF_INFO info{};
  Sndfile file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) throw DataError(fmt::format("{}: not a readable WAV ({})", path.string(), sf_strerror(nullptr)));
  if (info.channels != 1 || info.samplerate != sample_rate)
    throw DataError(fmt::format("{}: {} Hz, {} channel(s): expected {} Hz mono", path.string(), info.samplerate,
                                info.channels, sample_rate));
  torch::Tensor samples = torch::empty({info.frames}, torch::kInt16);
  if (sf_read_short(file.get(), samples.data_ptr<std::int16_t>(), info.frames) != info.frames)
    throw DataError(fmt::format("{}: truncated WAV ({})", path.string(), sf_strerror(file.get())));
  return samples;
}

void write_wav(const std::filesystem::path& path, const torch::Tensor& samples, int sample_rate) {
  const torch::Tensor pcm = samples.to(torch::kInt16).contiguous();
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  Sndfile file(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!file || sf_write_short(file.get(), pcm.data_ptr<std::int16_t>(), pcm.numel()) != pcm.numel())
    throw DataError(fmt::format("{}: cannot write WAV ({})", path.string(), sf_strerror(file.get())));
}

}  // namespace unas::data
