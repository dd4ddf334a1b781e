#include "store/weights_file.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "store/store_error.h"
#include "support/temp_dir.h"

namespace unas::store {
namespace {

class WeightsFileTest : public unas::testing::TempDirTest {};

Weights two_tensors() {
  Weights w;
  float* kernel = w.add("b0.l0.conv.weight", {4, 1, 3, 3});
  for (int k = 0; k < 36; ++k) kernel[k] = 0.25F * static_cast<float>(k) - 3.0F;
  w.add("classifier.bias", {10})[9] = 1.5F;
  return w;
}

TEST_F(WeightsFileTest, RoundTripsNamesShapesAndValues) {
  const auto path = dir_ / "w.h5";
  write_weights_file(path, two_tensors());
  const Weights back = read_weights_file(path);
  ASSERT_EQ(back.tensors.size(), 2U);
  const TensorEntry* kernel = back.find("b0.l0.conv.weight");
  ASSERT_TRUE(kernel);
  EXPECT_EQ(kernel->shape, (std::vector<std::int64_t>{4, 1, 3, 3}));
  EXPECT_EQ(back.data(*kernel)[35], 0.25F * 35 - 3.0F);
  EXPECT_EQ(back.data(*back.find("classifier.bias"))[9], 1.5F);
}

// What a PyTorch user writes with h5py (float64 included) reads as the same tensors.
TEST_F(WeightsFileTest, ReadsWhatH5pyWrites) {
  const auto path = dir_ / "py.h5";
  const std::string py = "/usr/bin/python3 -c \"import h5py, numpy as np; f = h5py.File('" + path.string() +
                         "', 'w'); f['dense0.weight'] = np.arange(6, dtype=np.float64).reshape(2, 3); "
                         "f['dense0.bias'] = np.array([0.5, -0.5], dtype=np.float32); f.close()\"";
  ASSERT_EQ(std::system(py.c_str()), 0);
  const Weights w = read_weights_file(path);
  const TensorEntry* kernel = w.find("dense0.weight");
  ASSERT_TRUE(kernel);
  EXPECT_EQ(kernel->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(w.data(*kernel)[5], 5.0F);
  EXPECT_EQ(w.data(*w.find("dense0.bias"))[1], -0.5F);
}

TEST_F(WeightsFileTest, ClearErrorsForMissingEmptyAndNonFloatFiles) {
  const auto message = [](const std::filesystem::path& p) {
    try {
      read_weights_file(p);
    } catch (const StoreError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir_ / "absent.h5").find("no such weights file"), std::string::npos);
  const auto empty = dir_ / "empty.h5";
  write_weights_file(empty, Weights{});
  EXPECT_NE(message(empty).find("holds no tensors"), std::string::npos);
  const auto ints = dir_ / "ints.h5";
  const std::string py = "/usr/bin/python3 -c \"import h5py, numpy as np; f = h5py.File('" + ints.string() +
                         "', 'w'); f['x.weight'] = np.arange(3); f.close()\"";
  ASSERT_EQ(std::system(py.c_str()), 0);
  EXPECT_NE(message(ints).find("\"x.weight\" is not a float tensor"), std::string::npos) << message(ints);
  const auto text = dir_ / "text.h5";
  std::FILE* f = std::fopen(text.c_str(), "w");
  std::fputs("not hdf5", f);
  std::fclose(f);
  EXPECT_NE(message(text).find("not an HDF5 weights file"), std::string::npos);
}

}  // namespace
}  // namespace unas::store
