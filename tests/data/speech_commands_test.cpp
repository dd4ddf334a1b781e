// The Speech Commands loader on a small layout written here: ten speakers, each saying the ten
// command words and two other words once; every clip's first sample says which word and
// speaker it is.
#include "data/speech_commands.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <map>

#include "data/load_dataset.h"
#include "data/wav_file.h"
#include "support/temp_dir.h"

namespace unas::data {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kOtherWords = {"bed", "cat"};

std::int16_t marker(int word, int speaker) { return static_cast<std::int16_t>(100 * (word + 1) + speaker); }

class SpeechCommands : public unas::testing::TempDirTest {
 protected:
  // Speakers 1 and 2 are in validation_list.txt, speaker 3 in testing_list.txt.
  fs::path write_layout(std::int64_t clip_samples = 16000) {
    const fs::path root = dir_ / "speech";
    std::vector<std::string> words(kSpeechCommandWords.begin(), kSpeechCommandWords.end());
    words.insert(words.end(), kOtherWords.begin(), kOtherWords.end());
    fs::create_directories(root / kBackgroundNoiseDir);
    std::ofstream validation(root / "validation_list.txt"), testing(root / "testing_list.txt");
    for (std::size_t w = 0; w < words.size(); ++w) {
      fs::create_directories(root / words[w]);
      for (int speaker = 1; speaker <= 10; ++speaker) {
        const std::string name = fmt::format("{}/{:08x}_nohash_0.wav", words[w], speaker);
        torch::Tensor clip = torch::randint(-2000, 2000, {clip_samples}, torch::kInt16);
        clip[0] = marker(static_cast<int>(w), speaker);
        write_wav(root / name, clip, 16000);
        if (speaker <= 2) validation << name << "\n";
        if (speaker == 3) testing << name << "\n";
      }
    }
    std::ofstream(root / "yes" / "README.txt") << "not a clip";
    write_wav(root / kBackgroundNoiseDir / "noise.wav", torch::randint(-8000, 8000, {40000}, torch::kInt16), 16000);
    return root;
  }

  static std::string error_of(const fs::path& root) {
    try {
      read_speech_commands(root, 0);
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  }
};

// Speakers and words of a split's clips, read from their markers; silence rows read as 0.
std::map<std::pair<int, int>, std::int64_t> contents(const Split& clips) {
  std::map<std::pair<int, int>, std::int64_t> found;  // (word, speaker) -> label
  for (std::int64_t i = 0; i < clips.size(); ++i) {
    const int m = clips.examples[i][0].item<int>();
    found[{m / 100 - 1, m % 100}] = clips.labels[i].item<std::int64_t>();
  }
  return found;
}

TEST_F(SpeechCommands, TwelveClassesWithTheAuthorsShareOfSilenceAndUnknown) {
  const Dataset d = read_speech_commands(write_layout(), 5);
  EXPECT_EQ(d.num_classes, 12);
  EXPECT_EQ(d.input, (resources::TensorShape{98, 40, 1}));
  // Training: 7 speakers x 10 words, ceil(10 %) = 7 unknown of the 14 other clips, 7 silence.
  ASSERT_EQ(d.train.size(), 84);
  EXPECT_TRUE(torch::bincount(d.train.labels, {}, 12).equal(torch::full({12}, 7, torch::kInt64)));
  EXPECT_EQ(d.train.examples.scalar_type(), torch::kInt16);
  EXPECT_EQ(d.train.examples.sizes(), (std::vector<std::int64_t>{84, 16000}));
  for (const auto& [clip, label] : contents(d.train)) {
    const auto [word, speaker] = clip;
    if (label == kSilenceLabel) continue;
    EXPECT_GT(speaker, 3) << "a listed speaker in training";
    EXPECT_EQ(label, word < 10 ? word + 2 : kUnknownLabel) << word;  // 2 + index in down, go, ..., yes
  }
  EXPECT_TRUE(d.train.examples.index_select(0, torch::nonzero(d.train.labels == kSilenceLabel).squeeze(1))
                  .eq(0)
                  .all()
                  .item<bool>());

  // Validation and test hold features, computed once: 20 + 2 + 2 and 10 + 1 + 1 rows.
  ASSERT_EQ(d.validation.size(), 24);
  ASSERT_EQ(d.test.size(), 12);
  EXPECT_EQ(d.validation.examples.sizes(), (std::vector<std::int64_t>{24, 1, 98, 40}));
  EXPECT_EQ(d.validation.labels.eq(kSilenceLabel).sum().item<int>(), 2);
  EXPECT_EQ(d.test.labels.eq(kUnknownLabel).sum().item<int>(), 1);
  // Silence gets background noise: its features are not those of digital silence.
  const torch::Tensor silent =
      d.test.examples.index_select(0, torch::nonzero(d.test.labels == kSilenceLabel).squeeze(1));
  EXPECT_GT(silent.select(3, 0).min().item<double>(), 40 * std::log(1e-12) * std::sqrt(2.0 / 40) + 50);

  // The same seed draws the same unknown clips and silence noise; another seed other ones.
  const Dataset again = read_speech_commands(dir_ / "speech", 5), other = read_speech_commands(dir_ / "speech", 6);
  EXPECT_TRUE(again.train.examples.equal(d.train.examples));
  EXPECT_TRUE(again.test.examples.equal(d.test.examples));
  EXPECT_FALSE(other.train.examples.equal(d.train.examples));
}

TEST_F(SpeechCommands, ClipsArePaddedOrCutToOneSecond) {
  for (std::int64_t samples : {12000, 17000}) {
    fs::remove_all(dir_ / "speech");
    const Dataset d = read_speech_commands(write_layout(samples), 0);
    const torch::Tensor words = d.train.examples.index_select(0, torch::nonzero(d.train.labels > 1).squeeze(1));
    EXPECT_EQ(words.size(1), 16000);
    EXPECT_EQ(words.slice(1, 12000).eq(0).all().item<bool>(), samples == 12000);
  }
}

TEST_F(SpeechCommands, LoadDatasetKnowsTheKind) {
  const DatasetSpec spec{"speech_commands", write_layout(), 0, 0, false, 0};
  EXPECT_EQ(dataset_classes(spec), 12);
  EXPECT_EQ(dataset_input(spec), (resources::TensorShape{98, 40, 1}));
  check_dataset_files(spec);
  const Dataset d = load_dataset(spec);
  EXPECT_EQ(d.name, "speech_commands");
  Rng rng(1);
  EXPECT_EQ(d.inputs(d.train, torch::arange(3), &rng).sizes(), (std::vector<std::int64_t>{3, 1, 98, 40}));
  EXPECT_THROW(dataset_classes({"speech_commands", spec.path, 0, 0, true, 0}), DataError);
}

TEST_F(SpeechCommands, AMissingOrCorruptSetIsOneLineNamingThePath) {
  EXPECT_EQ(error_of(dir_ / "none").rfind((dir_ / "none").string() + ": no such directory", 0), 0U);
  const fs::path root = write_layout();
  fs::rename(root / "testing_list.txt", root / "testing.txt");
  EXPECT_EQ(error_of(root), (root / "testing_list.txt").string() + ": missing split list");
  fs::rename(root / "testing.txt", root / "testing_list.txt");
  fs::remove_all(root / "stop");
  EXPECT_EQ(error_of(root), (root / "stop").string() + ": missing command word folder");
  fs::create_directories(root / "stop");
  std::ofstream(root / "stop" / "00000001_nohash_0.wav") << "RIFF, but no WAV";
  EXPECT_EQ(error_of(root).rfind((root / "stop" / "00000001_nohash_0.wav").string() + ": not a readable WAV", 0), 0U);
  write_wav(root / "stop" / "00000001_nohash_0.wav", torch::zeros({8000}, torch::kInt16), 8000);
  EXPECT_EQ(error_of(root),
            (root / "stop" / "00000001_nohash_0.wav").string() + ": 8000 Hz, 1 channel(s): expected 16000 Hz mono");
  fs::remove(root / "stop" / "00000001_nohash_0.wav");
  write_wav(root / kBackgroundNoiseDir / "noise.wav", torch::zeros({16000}, torch::kInt16), 16000);
  EXPECT_EQ(error_of(root), (root / kBackgroundNoiseDir / "noise.wav").string() +
                                ": background noise must be longer than one 1 s clip");
}

}  // namespace
}  // namespace unas::data
