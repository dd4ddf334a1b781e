#include "data/speech_commands.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <unordered_set>

#include "data/speech_pipeline.h"
#include "data/wav_file.h"

namespace unas::data {

namespace {

namespace fs = std::filesystem;

constexpr int kSampleRate = 16000;
constexpr std::int64_t kClipSamples = kSampleRate;  // 1 s
// The authors' training augmentation: ±100 ms shifts, noise on 80 % of clips at volume < 0.1.
constexpr SpeechAugmentation kTrainingAugmentation{kSampleRate / 10, 0.8, 0.1};
constexpr const char* kLists[] = {"validation_list.txt", "testing_list.txt"};

enum Subset { kTraining, kValidation, kTesting };

struct Listing {
  std::vector<std::pair<fs::path, std::int64_t>> commands;  // clip, label
  std::vector<fs::path> others;                             // clips of the other words
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::int64_t command_label(const std::string& word) {
  const auto it = std::find(kSpeechCommandWords.begin(), kSpeechCommandWords.end(), word);
  return it == kSpeechCommandWords.end() ? kUnknownLabel : 2 + (it - kSpeechCommandWords.begin());
}

std::unordered_set<std::string> read_list(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw DataError(fmt::format("{}: cannot read the split list", file.string()));
  std::unordered_set<std::string> paths;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) paths.insert(line);
  }
  return paths;
}

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());  // directory order is not deterministic
  return entries;
}

bool is_wav(const fs::path& p) { return fs::is_regular_file(p) && lower(p.extension().string()) == ".wav"; }

// Every clip under `root`, by subset: a clip named in a list belongs to that list's subset. (The
// authors' code hashes the speaker id instead; the lists were made by that same hash.)
std::array<Listing, 3> list_clips(const fs::path& root) {
  const std::unordered_set<std::string> validation = read_list(root / kLists[0]), testing = read_list(root / kLists[1]);
  std::array<Listing, 3> listing;
  for (const fs::path& dir : sorted_entries(root)) {
    if (!fs::is_directory(dir) || dir.filename() == kBackgroundNoiseDir) continue;
    const std::int64_t label = command_label(lower(dir.filename().string()));
    for (const fs::path& clip : sorted_entries(dir)) {
      if (!is_wav(clip)) continue;
      const std::string relative = dir.filename().string() + "/" + clip.filename().string();
      Listing& l = listing[validation.count(relative) ? kValidation : testing.count(relative) ? kTesting : kTraining];
      if (label == kUnknownLabel)
        l.others.push_back(clip);
      else
        l.commands.emplace_back(clip, label);
    }
  }
  if (listing[kTraining].commands.empty())
    throw DataError(fmt::format("{}: no training clips of the command words found", root.string()));
  return listing;
}

// A clip cut or zero-padded to 1 s, as tf.audio.decode_wav(desired_samples) does.
torch::Tensor read_clip(const fs::path& path) {
  const torch::Tensor samples = read_wav(path, kSampleRate);
  torch::Tensor clip = torch::zeros({kClipSamples}, torch::kInt16);
  const std::int64_t n = std::min(samples.size(0), kClipSamples);
  clip.slice(0, 0, n).copy_(samples.slice(0, 0, n));
  return clip;
}

// The command clips, ceil(10 %) as many unknown clips drawn at random, and as many silence rows
// (zero clips: the pipeline gives them background noise).
Split read_subset(Listing& l, Rng& rng) {
  const auto tenth = static_cast<std::int64_t>((l.commands.size() + 9) / 10);
  std::vector<fs::path>& others = l.others;
  for (std::size_t i = others.size(); i > 1; --i) std::swap(others[i - 1], others[rng.index(i)]);  // Fisher-Yates
  const std::int64_t unknown = std::min<std::int64_t>(tenth, static_cast<std::int64_t>(others.size()));
  const auto commands = static_cast<std::int64_t>(l.commands.size());
  const std::int64_t n = commands + unknown + tenth;
  torch::Tensor clips = torch::zeros({n, kClipSamples}, torch::kInt16);
  torch::Tensor labels = torch::full({n}, kSilenceLabel, torch::kInt64);
  for (std::int64_t i = 0; i < commands; ++i) {
    clips[i].copy_(read_clip(l.commands[static_cast<std::size_t>(i)].first));
    labels[i] = l.commands[static_cast<std::size_t>(i)].second;
  }
  for (std::int64_t i = 0; i < unknown; ++i) {
    clips[commands + i].copy_(read_clip(others[static_cast<std::size_t>(i)]));
    labels[commands + i] = kUnknownLabel;
  }
  return Split{clips, labels};
}

std::vector<torch::Tensor> read_background(const fs::path& dir) {
  std::vector<torch::Tensor> noise;
  for (const fs::path& file : sorted_entries(dir)) {
    if (!is_wav(file)) continue;
    noise.push_back(read_wav(file, kSampleRate));
    if (noise.back().size(0) <= kClipSamples)
      throw DataError(fmt::format("{}: background noise must be longer than one 1 s clip", file.string()));
  }
  if (noise.empty()) throw DataError(fmt::format("{}: no background noise .wav files", dir.string()));
  return noise;
}

}  // namespace

resources::TensorShape speech_commands_input() {
  const MfccSettings mfcc;
  return {mfcc.frames(kClipSamples), mfcc.coefficients, 1};
}

void check_speech_commands_files(const fs::path& root) {
  if (!fs::is_directory(root))
    throw DataError(
        fmt::format("{}: no such directory (expected the Speech Commands layout "
                    "<word>/<speaker>_nohash_<n>.wav with validation_list.txt, testing_list.txt, {}/)",
                    root.string(), kBackgroundNoiseDir));
  for (const char* list : kLists)
    if (!fs::is_regular_file(root / list))
      throw DataError(fmt::format("{}: missing split list", (root / list).string()));
  if (!fs::is_directory(root / kBackgroundNoiseDir))
    throw DataError(fmt::format("{}: missing background noise folder", (root / kBackgroundNoiseDir).string()));
  for (const char* word : kSpeechCommandWords)
    if (!fs::is_directory(root / word))
      throw DataError(fmt::format("{}: missing command word folder", (root / word).string()));
}

Dataset read_speech_commands(const fs::path& root, std::uint64_t split_seed) {
  check_speech_commands_files(root);
  std::array<Listing, 3> listing = list_clips(root);
  auto pipeline = std::make_shared<SpeechPipeline>(read_background(root / kBackgroundNoiseDir), kTrainingAugmentation,
                                                   MfccSettings{}, kSilenceLabel);
  Rng rng(derive_seed(split_seed, 0, "speech commands"));
  Dataset d;
  d.name = "speech_commands";
  d.num_classes = kSpeechCommandsClasses;
  d.input = speech_commands_input();
  d.train = read_subset(listing[kTraining], rng);
  for (auto [subset, split] : {std::pair{kValidation, &d.validation}, std::pair{kTesting, &d.test}}) {
    const Split clips = read_subset(listing[subset], rng);
    *split = Split{pipeline->features(clips.examples, clips.labels, rng), clips.labels};
  }
  d.pipeline = std::move(pipeline);
  return d;
}

}  // namespace unas::data
