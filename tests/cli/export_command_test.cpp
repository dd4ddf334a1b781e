// `unas train --save-weights` then `unas export --arch --weights`, and export's one-line errors,
// as a user runs them.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/unas_binary.h"

namespace {

namespace fs = std::filesystem;

using unas::testing::Result;

class ExportCommand : public unas::testing::UnasBinaryTest {
 protected:
  const std::string fashion = "--dataset fashion_mnist --path /usr/share/datasets/fashion-mnist";
  const std::string net =
      R"({"conv_blocks":[{"is_branch":false,"layers":[{"type":"Conv2D","ker_size":3,"filters":8,"2x_stride":true,)"
      R"("has_prepool":false,"has_bn":true,"has_relu":true}]}],"pooling":{"type":"avg","pool_size":2},"dense_blocks":[{"units":32}]})";
};

TEST_F(ExportCommand, TrainedWeightsExportAndKeepTheirAccuracy) {
  const fs::path arch = write("net.json", net), weights = dir_ / "w.h5", out = dir_ / "exported";
  const Result trained = run("train " + arch.string() + " " + fashion + " --epochs 1 --lr 0.05 --save-weights " + weights.string());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const double test_error = nlohmann::json::parse(trained.out)[0]["test_error"];
  const Result r = run("export --arch " + arch.string() + " --weights " + weights.string() + " " + fashion + " --no-target --out " +
                       out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // "accuracy on 10000 test examples: float 78.51 %, int8 78.34 % (...)": the float figure is the trainer's test accuracy.
  char float_text[16] = {}, int8_text[16] = {};
  const auto at = r.out.find("accuracy on 10000 test examples: float ");
  ASSERT_NE(at, std::string::npos) << r.out;
  ASSERT_EQ(std::sscanf(r.out.c_str() + at, "accuracy on 10000 test examples: float %15s %%, int8 %15s", float_text, int8_text), 2);
  EXPECT_NEAR(std::stod(float_text), 100 * (1 - test_error), 0.006);
  EXPECT_NEAR(std::stod(int8_text), std::stod(float_text), 2.0);
  EXPECT_NE(r.out.find("target: skipped, not asked for (--no-target)"), std::string::npos) << r.out;
  for (const char* file : {"model.c", "model.h", "unas_int8.c", "unas_int8.h"}) EXPECT_TRUE(fs::exists(out / file)) << file;
}

TEST_F(ExportCommand, BadInputIsOneLineAndExitCodeTwo) {
  const fs::path arch = write("net.json", net);
  const auto expect_error = [&](const std::string& args, const std::string& message) {
    const Result r = run("export " + args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.err, "unas: error: " + message + "\n") << args;
  };
  expect_error("--out x", "give a results file (with --id N or --front), or --arch with --weights");
  expect_error("--arch " + arch.string() + " --out x", "--arch needs --weights, --dataset and --path");
  const fs::path bad = write("w.h5", "not hdf5");
  expect_error("--arch " + arch.string() + " --weights " + bad.string() + " " + fashion + " --out x",
               bad.string() + ": not an HDF5 weights file");
}

}  // namespace
