#include "search/gaussian_process.h"

#include <gtest/gtest.h>

#include <cmath>

namespace unas::search {
namespace {

// Points on a line; the distance is |x − x'|, so the kernel is the (positive definite) Laplace one.
Eigen::MatrixXd line_distances(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  Eigen::MatrixXd d(a.size(), b.size());
  for (Eigen::Index i = 0; i < a.size(); ++i)
    for (Eigen::Index j = 0; j < b.size(); ++j) d(i, j) = std::abs(a(i) - b(j));
  return d;
}

Eigen::VectorXd grid(int n, double step) {
  Eigen::VectorXd x(n);
  for (int i = 0; i < n; ++i) x(i) = i * step;
  return x;
}

TEST(GaussianProcess, InterpolatesItsDataAndRevertsToThePriorFarAway) {
  const Eigen::VectorXd x = grid(20, 0.1);
  const Eigen::VectorXd y = (x.array() * 3).sin();
  const GpHyperparameters h = fit_hyperparameters(line_distances(x, x), y);
  const GaussianProcess gp(line_distances(x, x), y, h);
  const Posterior at_data = gp.predict(line_distances(x, x), {});
  EXPECT_LT((at_data.mean - y).cwiseAbs().maxCoeff(), 0.05);
  Eigen::VectorXd far(1);
  far << 1000.0;
  const Posterior away = gp.predict(line_distances(far, x), {});
  EXPECT_NEAR(away.mean(0), y.mean(), 1e-6);  // the prior mean is the data's mean
  EXPECT_GT(away.stddev(0), 10 * at_data.stddev.maxCoeff());
  // Between two data points the function is smooth: close to the true value.
  Eigen::VectorXd mid(1);
  mid << 0.95;
  EXPECT_NEAR(gp.predict(line_distances(mid, x), {}).mean(0), std::sin(3 * 0.95), 0.05);
}

TEST(GaussianProcess, MarginalLikelihoodPrefersShortLengthScalesForRoughData) {
  const Eigen::VectorXd x = grid(40, 0.05);
  const Eigen::VectorXd smooth = (x.array() * 1).sin();
  const Eigen::VectorXd rough = (x.array() * 40).sin();
  const auto d = line_distances(x, x);
  EXPECT_GT(fit_hyperparameters(d, rough).beta, fit_hyperparameters(d, smooth).beta);
}

TEST(GaussianProcess, PendingPointsShrinkTheVarianceAroundThemAndKeepTheMean) {
  const Eigen::VectorXd x = grid(10, 0.1);
  const Eigen::VectorXd y = x.array().square();
  const GpHyperparameters h = fit_hyperparameters(line_distances(x, x), y);
  GaussianProcess plain(line_distances(x, x), y, h);
  GaussianProcess fantasised = plain;
  Eigen::VectorXd pending(1), query(2);
  pending << 2.0;
  query << 2.05, 0.45;  // next to the pending point, and inside the data
  fantasised.add_pending(line_distances(pending, x), line_distances(pending, pending));
  const Posterior before = plain.predict(line_distances(query, x), {});
  const Posterior after = fantasised.predict(line_distances(query, x), line_distances(query, pending));
  EXPECT_NEAR(after.mean(0), before.mean(0), 1e-9);
  EXPECT_NEAR(after.mean(1), before.mean(1), 1e-9);
  EXPECT_LT(after.stddev(0), 0.6 * before.stddev(0));
  EXPECT_NEAR(after.stddev(1), before.stddev(1), 0.02 * before.stddev(1) + 1e-9);
}

}  // namespace
}  // namespace unas::search
