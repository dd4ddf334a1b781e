// Runs the unas binary as a user would and checks what it prints and how it exits.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/unas_binary.h"

namespace {

namespace fs = std::filesystem;

using unas::testing::Result;

class ArchCommand : public unas::testing::UnasBinaryTest {};

TEST_F(ArchCommand, RandomStatsAndMorphCompose) {
  const Result random = run("arch random --count 5 --seed 9 --input 48x48x3 --classes 62");
  ASSERT_EQ(random.exit_code, 0) << random.err;
  const auto archs = nlohmann::json::parse(random.out);
  ASSERT_EQ(archs.size(), 5U);
  EXPECT_EQ(run("arch random --count 5 --seed 9").out, random.out);  // reproducible
  EXPECT_EQ(nlohmann::json::parse(run("arch random --count 2 --seed 9").out)[1], archs[1]);  // k-th depends on k only

  const fs::path file = write("archs.json", random.out);
  const Result stats = run("arch stats " + file.string() + " --input 48x48x3 --classes 62");
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  const auto figures = nlohmann::json::parse(stats.out);
  ASSERT_EQ(figures.size(), 5U);
  for (const auto& f : figures) {
    EXPECT_GT(f["pmu"].get<long>(), 0);
    EXPECT_GT(f["model_size"].get<long>(), 0);
    EXPECT_GT(f["macs"].get<long>(), 0);
    EXPECT_EQ(f["order"].back(), "classifier");
  }
  const auto with_input = nlohmann::json::parse(run("arch stats " + file.string() + " --include-input").out);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_GT(with_input[k]["pmu"].get<long>(), figures[k]["pmu"].get<long>());
    EXPECT_LE(with_input[k]["pmu"].get<long>(), figures[k]["pmu"].get<long>() + 48 * 48 * 3);
  }

  const Result morph = run("arch morph " + file.string() + " --seed 4");
  ASSERT_EQ(morph.exit_code, 0) << morph.err;
  const auto children = nlohmann::json::parse(morph.out);
  ASSERT_EQ(children.size(), 5U);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NE(children[k], archs[k]);
  EXPECT_NE(morph.err.find("architecture 0: "), std::string::npos);  // the morphism is logged

  const auto all = nlohmann::json::parse(run("arch morph " + file.string() + " --all").out);
  ASSERT_EQ(all.size(), 5U);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_GT(all[k].size(), 10U);
}

TEST_F(ArchCommand, WorkedExampleFromStandardInput) {
  const fs::path file = write("one.json",
                              R"({"conv_blocks":[{"is_branch":false,"layers":[{"type":"Conv2D","ker_size":3,"filters":5,)"
                              R"("2x_stride":false,"has_prepool":false,"has_bn":false,"has_relu":true}]}],)"
                              R"("pooling":null,"dense_blocks":[]})");
  const Result r = run("arch stats - --input 32x32x3 --classes 10 <" + file.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[\n {\"pmu\":4510,\"model_size\":45150,\"macs\":166500,\"order\":[\"b0.l0.conv\",\"classifier\"]}\n]\n");
}

TEST_F(ArchCommand, BadInputIsOneClearLineAndExitCodeTwo) {
  const auto expect_error = [&](const std::string& args, const std::string& message) {
    const Result r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.err, "unas: error: " + message + "\n") << args;
    EXPECT_EQ(r.out, "") << args;
  };
  expect_error("arch stats " + (dir_ / "missing.json").string(),
               "cannot read " + (dir_ / "missing.json").string() + ": No such file or directory");
  const fs::path bad = write("bad.json", R"({"conv_blocks":[{"is_branch":true,"layers":[]}],"dense_blocks":[]})");
  expect_error("arch stats " + bad.string(), "conv_blocks[0].is_branch: the first block must be serial");
  const fs::path truncated = write("truncated.json", R"([{"conv_blocks":)");
  EXPECT_EQ(run("arch stats " + truncated.string()).exit_code, 2);
  expect_error("arch random --input 48x48", "--input \"48x48\": expected HxWxC with positive integers, e.g. 48x48x3");
  const Result range = run("arch random --classes 1");
  EXPECT_EQ(range.exit_code, 2);
  EXPECT_EQ(range.err, "unas: error: --classes: Value 1 not in range 2 to 1048576 (see --help)\n");
  const Result extra = run("arch frobnicate");
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_EQ(std::count(extra.err.begin(), extra.err.end(), '\n'), 1);
}

TEST_F(ArchCommand, HelpAndVersion) {
  const Result help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("arch"), std::string::npos);
  const Result arch_help = run("arch --help");
  EXPECT_NE(arch_help.out.find("random"), std::string::npos);
  EXPECT_NE(arch_help.out.find("stats"), std::string::npos);
  EXPECT_NE(arch_help.out.find("morph"), std::string::npos);
  EXPECT_NE(run("arch stats --help").out.find("--include-input"), std::string::npos);
  EXPECT_EQ(run("--version").out.rfind("unas ", 0), 0U);
}

}  // namespace
