// The loaders on small files written in each real on-disk format.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "data/chars74k.h"
#include "data/cifar_file.h"
#include "data/idx_file.h"
#include "data/png_file.h"

#include "support/temp_dir.h"

namespace unas::data {
namespace {

namespace fs = std::filesystem;

class Formats : public unas::testing::TempDirTest {};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST_F(Formats, IdxRoundTripPlainAndGzip) {
  const torch::Tensor images = torch::randint(0, 256, {5, 3, 4}, torch::kUInt8);
  for (const char* name : {"x-idx3-ubyte", "x-idx3-ubyte.gz"}) {
    write_idx(dir_ / name, images);
    const torch::Tensor back = read_idx(dir_ / name);
    EXPECT_EQ(back.sizes(), images.sizes());
    EXPECT_TRUE(back.equal(images)) << name;
  }
  EXPECT_LT(fs::file_size(dir_ / "x-idx3-ubyte.gz"), fs::file_size(dir_ / "x-idx3-ubyte") + 64);
}

TEST_F(Formats, IdxErrorsNameTheFile) {
  std::ofstream(dir_ / "bad") << "PK\x03\x04 not an idx file";
  EXPECT_EQ(error_of([&] { read_idx(dir_ / "bad"); }), (dir_ / "bad").string() + ": not an unsigned-byte IDX file (magic 504b0304)");
  write_idx(dir_ / "full", torch::zeros({10, 10}, torch::kUInt8));
  fs::resize_file(dir_ / "full", 8 + 8 + 50);
  EXPECT_EQ(error_of([&] { read_idx(dir_ / "full"); }), (dir_ / "full").string() + ": truncated IDX file (100 data bytes missing)");
  EXPECT_EQ(error_of([&] { read_idx(dir_ / "absent"); }), (dir_ / "absent").string() + ": cannot open IDX file");
}

TEST_F(Formats, CifarBatchesKeepPlanesAndLabels) {
  // Two records: label 3 with R=1,G=2,B=3 everywhere; label 7 with a gradient in R.
  std::vector<unsigned char> bytes;
  bytes.push_back(3);
  for (unsigned char c : {1, 2, 3}) bytes.insert(bytes.end(), 1024, c);
  bytes.push_back(7);
  for (int k = 0; k < 1024; ++k) bytes.push_back(static_cast<unsigned char>(k % 256));
  bytes.insert(bytes.end(), 2048, 0);
  std::ofstream(dir_ / "b.bin", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  const Split s = read_cifar10_batches({dir_ / "b.bin", dir_ / "b.bin"});
  ASSERT_EQ(s.size(), 4);
  EXPECT_EQ(s.labels[1].item<std::int64_t>(), 7);
  EXPECT_EQ(s.examples[0][2][31][31].item<int>(), 3);   // B plane
  EXPECT_EQ(s.examples[1][0][0][5].item<int>(), 5);      // R plane, row-major
  fs::resize_file(dir_ / "b.bin", 3000);
  EXPECT_EQ(error_of([&] { read_cifar10_batches({dir_ / "b.bin"}); }),
            (dir_ / "b.bin").string() + ": 3000 bytes is not a whole number of 3073-byte CIFAR-10 records");
}

TEST_F(Formats, Chars74kLayoutLabelsFromFileNamesAndResizes) {
  const fs::path root = dir_ / "EnglishImg";
  for (int label : {1, 11, 62}) {
    const fs::path sample = root / kChars74kImageDir / fmt::format("Sample{:03d}", label);
    fs::create_directories(sample);
    for (int k = 1; k <= 2; ++k) {
      torch::Tensor img = torch::full({20 + k, 30, 3}, label, torch::kUInt8);
      write_png_rgb(sample / fmt::format("img{:03d}-{:05d}.png", label, k), img);
    }
  }
  std::ofstream(root / kChars74kImageDir / "Sample001" / "notes.txt") << "ignored";
  const Split s = read_chars74k(root, 12, 16);
  ASSERT_EQ(s.size(), 6);
  EXPECT_EQ(s.examples.sizes(), (std::vector<std::int64_t>{6, 3, 12, 16}));
  EXPECT_TRUE(s.labels.equal(torch::tensor(std::vector<std::int64_t>{0, 0, 10, 10, 61, 61})));
  EXPECT_EQ(s.examples[4].min().item<int>(), 62);  // a flat image stays flat through bilinear resizing
  EXPECT_EQ(error_of([&] { read_chars74k(dir_ / "nowhere", 48, 48); }).rfind((dir_ / "nowhere").string(), 0), 0U);
  std::ofstream(root / kChars74kImageDir / "Sample001" / "img001-00009.png") << "not a png";
  EXPECT_NE(error_of([&] { read_chars74k(root, 12, 16); }).find("img001-00009.png: not a readable PNG"), std::string::npos);
}

}  // namespace
}  // namespace unas::data
