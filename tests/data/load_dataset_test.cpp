#include "data/load_dataset.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "data/chars74k.h"
#include "data/idx_file.h"
#include "data/image_pipeline.h"
#include "data/png_file.h"

#include "support/temp_dir.h"

namespace unas::data {
namespace {

namespace fs = std::filesystem;

class LoadDataset : public unas::testing::TempDirTest {
 protected:

  // 200 training and 50 test images of 10 balanced classes, pixel (0,0) = label.
  fs::path write_mnist_like(bool gzip) {
    const fs::path d = dir_ / (gzip ? "gz" : "plain");
    fs::create_directories(d);
    for (auto [prefix, n] : {std::pair{"train", 200}, std::pair{"t10k", 50}}) {
      const torch::Tensor labels = torch::arange(n, torch::kInt64).remainder(10).to(torch::kUInt8);
      torch::Tensor images = torch::zeros({n, 28, 28}, torch::kUInt8);
      images.select(1, 0).select(1, 0).copy_(labels);
      const std::string ext = gzip ? ".gz" : "";
      write_idx(d / (std::string(prefix) + "-images-idx3-ubyte" + ext), images);
      write_idx(d / (std::string(prefix) + "-labels-idx1-ubyte" + ext), labels);
    }
    return d;
  }

};

const Augmentation& augmentation_of(const Dataset& d) { return dynamic_cast<const ImagePipeline&>(*d.pipeline).augmentation(); }

void expect_stratified(const Split& s, int classes) {
  const torch::Tensor counts = torch::bincount(s.labels, {}, classes);
  EXPECT_LE((counts.max() - counts.min()).item<std::int64_t>(), 1) << counts;
}

TEST_F(LoadDataset, MnistLayoutSplitsTenPercentStratified) {
  for (bool gzip : {false, true}) {
    const Dataset d = load_dataset({"mnist", write_mnist_like(gzip), 0, 0, false, 7});
    EXPECT_EQ(d.train.size(), 180);
    EXPECT_EQ(d.validation.size(), 20);
    EXPECT_EQ(d.test.size(), 50);
    EXPECT_EQ(d.num_classes, 10);
    EXPECT_EQ(d.input, (resources::TensorShape{28, 28, 1}));
    expect_stratified(d.validation, 10);
    // images stay with their labels through the split
    EXPECT_TRUE(d.validation.examples.select(1, 0).select(1, 0).select(1, 0).to(torch::kInt64).equal(d.validation.labels));
    EXPECT_EQ(augmentation_of(d).shift_height, 2);
    EXPECT_FALSE(augmentation_of(d).flip_left_right);
  }
  const Dataset binary = load_dataset({"fashion_mnist", write_mnist_like(false), 0, 0, true, 7});
  EXPECT_EQ(binary.num_classes, 2);
  EXPECT_EQ(binary.test.labels.sum().item<std::int64_t>(), 25);  // labels 0..4 of 50 balanced
  EXPECT_TRUE(augmentation_of(binary).flip_left_right);
}

TEST_F(LoadDataset, Cifar10LayoutAndBinaryVariant) {
  const fs::path d = dir_ / "cifar-10-batches-bin";
  fs::create_directories(d);
  for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}) {
    std::ofstream out(d / name, std::ios::binary);
    for (int r = 0; r < 20; ++r) {
      out.put(static_cast<char>(r % 10));
      out << std::string(3072, static_cast<char>(r));
    }
  }
  const Dataset data = load_dataset({"cifar10", d, 0, 0, false, 1});
  EXPECT_EQ(data.train.size(), 90);
  EXPECT_EQ(data.validation.size(), 10);
  EXPECT_EQ(data.test.size(), 20);
  EXPECT_EQ(data.input, (resources::TensorShape{32, 32, 3}));
  expect_stratified(data.validation, 10);
  EXPECT_EQ(load_dataset({"cifar10", d, 0, 0, true, 1}).validation.labels.sum().item<std::int64_t>(), 5);
  fs::remove(d / "data_batch_3.bin");
  EXPECT_THROW(load_dataset({"cifar10", d, 0, 0, false, 1}), DataError);
}

TEST_F(LoadDataset, Chars74kSplitsTwoThousandTestAnd705Validation) {
  const fs::path root = dir_ / "chars74k";
  Rng rng(2);
  for (int k = 0; k < 2790; ++k) {
    const int label = 1 + k % 62;
    const fs::path sample = root / kChars74kImageDir / fmt::format("Sample{:03d}", label);
    fs::create_directories(sample);
    write_png_rgb(sample / fmt::format("img{:03d}-{:05d}.png", label, k), torch::full({6, 5, 3}, label, torch::kUInt8));
  }
  const Dataset d = load_dataset({"chars74k", root, 8, 8, false, 0});
  EXPECT_EQ(d.test.size(), 2000);
  EXPECT_EQ(d.validation.size(), 705);
  EXPECT_EQ(d.train.size(), 85);
  EXPECT_EQ(d.num_classes, 62);
  EXPECT_EQ(d.input, (resources::TensorShape{8, 8, 3}));
  EXPECT_EQ(augmentation_of(d).shift_height, 0);  // 10 % of 8 pixels rounds down to nothing
  expect_stratified(d.test, 62);
  EXPECT_TRUE(d.test.examples.select(1, 0).select(1, 0).select(1, 0).to(torch::kInt64).equal(d.test.labels + 1));
  const Dataset binary = load_dataset({"chars74k", root, 48, 48, true, 0});
  EXPECT_EQ(binary.num_classes, 2);
  EXPECT_EQ(augmentation_of(binary).shift_height, 4);
  EXPECT_NEAR(binary.test.labels.to(torch::kFloat64).mean().item<double>(), 31.0 / 62, 0.01);
}

TEST_F(LoadDataset, MissingOrUnknownDataSetsAreOneClearError) {
  const auto message = [&](const DatasetSpec& spec) {
    try {
      load_dataset(spec);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(message({"mnist", dir_ / "none", 0, 0, false, 0}),
            (dir_ / "none").string() + ": neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz found");
  EXPECT_EQ(message({"imagenet", dir_, 0, 0, false, 0}),
            "unknown data set kind \"imagenet\" (known: mnist, fashion_mnist, cifar10, chars74k, speech_commands)");
  EXPECT_NE(message({"chars74k", dir_, 48, 48, false, 0}).find("no such directory"), std::string::npos);
}

}  // namespace
}  // namespace unas::data
