#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/augmentation.h"
#include "data/stratified_split.h"

namespace unas::data {
namespace {

TEST(StratifiedSplit, EachClassContributesItsShare) {
  // 600 of class 0, 300 of class 1, 100 of class 2; take 100 -> 60 / 30 / 10.
  std::vector<std::int64_t> y;
  for (int c : {0, 1, 2})
    for (int k = 0; k < (c == 0 ? 600 : c == 1 ? 300 : 100); ++k) y.push_back(c);
  const torch::Tensor labels = torch::tensor(y);
  Rng rng(1);
  const IndexSplit s = stratified_split(labels, 100, rng);
  ASSERT_EQ(s.taken.size(0), 100);
  ASSERT_EQ(s.kept.size(0), 900);
  const torch::Tensor taken = labels.index_select(0, s.taken);
  EXPECT_EQ(taken.eq(0).sum().item<int>(), 60);
  EXPECT_EQ(taken.eq(1).sum().item<int>(), 30);
  EXPECT_EQ(taken.eq(2).sum().item<int>(), 10);
  EXPECT_TRUE(std::get<0>(torch::cat({s.kept, s.taken}).sort()).equal(torch::arange(1000)));  // a partition
  Rng again(1), other(2);
  EXPECT_TRUE(stratified_split(labels, 100, again).taken.equal(s.taken));
  EXPECT_FALSE(stratified_split(labels, 100, other).taken.equal(s.taken));
}

TEST(StratifiedSplit, RemaindersAreSettledExactly) {
  const torch::Tensor labels = torch::tensor(std::vector<std::int64_t>{0, 0, 0, 1, 1, 1, 2, 2, 2, 3});
  Rng rng(3);
  for (std::int64_t count = 0; count <= 10; ++count) EXPECT_EQ(stratified_split(labels, count, rng).taken.size(0), count);
}

// A batch whose pixel values say where they came from: value = 1 + row * W + col.
torch::Tensor coordinates(int n, int h, int w) {
  return (torch::arange(1, h * w + 1, torch::kFloat32).reshape({1, 1, h, w})).expand({n, 1, h, w}).contiguous();
}

TEST(Augmentation, ShiftsAreSymmetricPaddedTranslationsWithinRange) {
  Augmentation a;
  a.shift_height = 2;
  a.shift_width = 3;
  Rng rng(5);
  const torch::Tensor x = coordinates(64, 8, 9);
  const torch::Tensor y = augment(x, a, rng);
  for (int i = 0; i < 64; ++i) {
    // The pixel that lands at (3, 4), an interior point, reveals the shift.
    const int v = static_cast<int>(y[i][0][3][4].item<float>()) - 1;
    const int dy = 3 - v / 9, dx = 4 - v % 9;
    ASSERT_LE(std::abs(dy), 2);
    ASSERT_LE(std::abs(dx), 3);
    // Symmetric padding: column -1 mirrors column 0, column 9 mirrors column 8.
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 9; ++c) {
        auto mirror = [](int k, int n) { return k < 0 ? -k - 1 : k >= n ? 2 * n - k - 1 : k; };
        ASSERT_EQ(y[i][0][r][c].item<float>(), 1 + mirror(r - dy, 8) * 9 + mirror(c - dx, 9));
      }
  }
}

TEST(Augmentation, FlipsAboutHalfAndRotationsKeepTheCentre) {
  Augmentation flip;
  flip.flip_left_right = true;
  Rng rng(6);
  const torch::Tensor x = coordinates(400, 5, 6);
  const torch::Tensor y = augment(x, flip, rng);
  int flipped = 0;
  for (int i = 0; i < 400; ++i) {
    const bool same = y[i].equal(x[i]), mirrored = y[i].equal(x[i].flip({2}));
    ASSERT_TRUE(same || mirrored);
    flipped += mirrored;
  }
  EXPECT_NEAR(flipped / 400.0, 0.5, 0.1);

  Augmentation rotate;
  rotate.rotation_radians = 0.2;
  rotate.rotation_probability = 1.0;
  const torch::Tensor z = augment(coordinates(50, 9, 9), rotate, rng);
  EXPECT_TRUE(z.select(2, 4).select(2, 4).eq(1 + 4 * 9 + 4).all().item<bool>());  // the centre stays
  EXPECT_FALSE(z.equal(coordinates(50, 9, 9)));
  Rng a(9), b(9);
  EXPECT_TRUE(augment(x, flip, a).equal(augment(x, flip, b)));  // seeded
}

}  // namespace
}  // namespace unas::data
