// `unas data info` on the Speech Commands stand-in, as a user runs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/unas_binary.h"

namespace {

namespace fs = std::filesystem;

using unas::testing::Result;

class DataCommand : public unas::testing::UnasBinaryTest {};

TEST_F(DataCommand, InfoDescribesTheSpeechCommandsStandIn) {
  const fs::path path = fs::path(UNAS_SOURCE_DIR) / "data/speech-commands-standin";
  if (!fs::exists(path / "STAND-IN.txt")) GTEST_SKIP() << path << " is missing: run scripts/prepare-data.sh";
  const Result r = run("data info --dataset speech_commands --path " + path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["classes"], 12);
  EXPECT_EQ(info["input"], "98x40x1");
  // 104 training speakers x 20 command clips, and 10 % as many unknown and silence examples;
  // 12 speakers x 20 + 24 + 24 for validation: every class equally large.
  EXPECT_EQ(info["train"]["examples"], 2080 + 208 + 208);
  EXPECT_EQ(info["train"]["smallest_class"], 208);
  EXPECT_EQ(info["validation"]["examples"], 288);
  EXPECT_EQ(info["test"]["largest_class"], 24);
  EXPECT_EQ(info["inputs"]["window_ms"], 30.0);
  EXPECT_EQ(info["inputs"]["stride_ms"], 10.0);
  EXPECT_EQ(info["inputs"]["mel_hz"], nlohmann::json::array({20.0, 4000.0}));
  EXPECT_EQ(info["inputs"]["background_files"], 6);
}

TEST_F(DataCommand, AMissingSpeechCommandsFolderIsOneLineAndExitCodeTwo) {
  const Result r = run("data info --dataset speech_commands --path " + (dir_ / "none").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "unas: error: " + (dir_ / "none").string() +
                       ": no such directory (expected the Speech Commands layout <word>/<speaker>_nohash_<n>.wav "
                       "with validation_list.txt, testing_list.txt, _background_noise_/)\n");
}

}  // namespace
