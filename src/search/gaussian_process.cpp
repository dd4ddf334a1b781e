#include "search/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

namespace unas::search {

namespace {

constexpr double kBetaGrid[] = {0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0};  // × 1 / median distance
constexpr double kNoiseGrid[] = {1e-3, 1e-2, 0.05, 0.2};
constexpr double kJitter = 1e-8;

struct Standardised {
  Eigen::VectorXd y;
  double mean = 0.0, scale = 1.0;
};

Standardised standardise(const Eigen::VectorXd& y) {
  Standardised s;
  s.mean = y.mean();
  const double var = y.size() > 1 ? (y.array() - s.mean).square().sum() / static_cast<double>(y.size() - 1) : 0.0;
  s.scale = std::max(std::sqrt(var), 1e-3);  // identical targets would otherwise divide by zero
  s.y = (y.array() - s.mean) / s.scale;
  return s;
}

double median_distance(const Eigen::MatrixXd& d) {
  std::vector<double> v;
  for (Eigen::Index i = 0; i < d.rows(); ++i)
    for (Eigen::Index j = 0; j < i; ++j) v.push_back(d(i, j));
  if (v.empty()) return 1.0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return std::max(v[v.size() / 2], 1e-6);
}

// Lower Cholesky factor of exp(−βD) + (η + jitter)·I, or nothing if it is not positive definite.
std::optional<Eigen::MatrixXd> unit_covariance_factor(const Eigen::MatrixXd& d, double beta, double noise_ratio) {
  Eigen::MatrixXd k = (-beta * d.array()).exp().matrix();
  k.diagonal().array() += noise_ratio + kJitter;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success) return std::nullopt;
  return Eigen::MatrixXd(llt.matrixL());
}

}  // namespace

GpHyperparameters fit_hyperparameters(const Eigen::MatrixXd& distances, const Eigen::VectorXd& y) {
  const Standardised s = standardise(y);
  const double n = static_cast<double>(y.size());
  const double median = median_distance(distances);
  GpHyperparameters best;
  best.log_marginal_likelihood = -std::numeric_limits<double>::infinity();
  for (double b : kBetaGrid)
    for (double eta : kNoiseGrid) {
      const auto l = unit_covariance_factor(distances, b / median, eta);
      if (!l) continue;
      const Eigen::VectorXd w = l->triangularView<Eigen::Lower>().solve(s.y);
      // With K = s²·C, the likelihood is largest at s² = yᵀC⁻¹y / n; what remains of it:
      const double s2 = std::max(w.squaredNorm() / n, 1e-12);
      const double lml = -0.5 * n * std::log(s2) - l->diagonal().array().log().sum() - 0.5 * n * (1 + std::log(2 * M_PI));
      if (lml > best.log_marginal_likelihood) best = GpHyperparameters{b / median, eta, s2, lml};
    }
  if (!std::isfinite(best.log_marginal_likelihood)) {
    // Every setting was indefinite: fall back to the smoothest kernel with a lot of noise.
    best = GpHyperparameters{kBetaGrid[0] / median, kNoiseGrid[3], 1.0, 0.0};
  }
  return best;
}

GaussianProcess::GaussianProcess(const Eigen::MatrixXd& distances, const Eigen::VectorXd& y, const GpHyperparameters& hyper)
    : hyper_(hyper), training_(y.size()) {
  const Standardised s = standardise(y);
  y_mean_ = s.mean;
  y_scale_ = s.scale;
  Eigen::MatrixXd k = kernel(distances);
  k.diagonal().array() += hyper_.signal_variance * hyper_.noise_ratio;
  for (double jitter = kJitter;; jitter *= 10) {
    Eigen::LLT<Eigen::MatrixXd> llt(k);
    if (llt.info() == Eigen::Success) {
      factor_ = llt.matrixL();
      break;
    }
    if (jitter > 1.0) throw std::runtime_error("GaussianProcess: covariance is not positive definite");
    k.diagonal().array() += jitter * hyper_.signal_variance;
  }
  alpha_ = factor_.triangularView<Eigen::Lower>().solve(s.y);
  factor_.triangularView<Eigen::Lower>().transpose().solveInPlace(alpha_);
}

Eigen::MatrixXd GaussianProcess::kernel(const Eigen::MatrixXd& distances) const {
  return (hyper_.signal_variance * (-hyper_.beta * distances.array()).exp()).matrix();
}

void GaussianProcess::add_pending(const Eigen::MatrixXd& to_training, const Eigen::MatrixXd& among) {
  const Eigen::Index p = among.rows();
  if (p == 0) return;
  // Block Cholesky: [L 0; B C] with B = K_pt · L⁻ᵀ and C Cᵀ = K_pp + noise − B Bᵀ. The pending
  // points carry the noise of a real observation, as their fantasy stands for one.
  if (factor_.rows() > training_) throw std::logic_error("GaussianProcess::add_pending: called twice");
  const Eigen::Index n = training_;
  const Eigen::MatrixXd cross = kernel(to_training);
  const Eigen::MatrixXd b = factor_.triangularView<Eigen::Lower>().solve(cross.transpose()).transpose();
  Eigen::MatrixXd schur = kernel(among) - b * b.transpose();
  schur.diagonal().array() += hyper_.signal_variance * (hyper_.noise_ratio + kJitter);
  Eigen::LLT<Eigen::MatrixXd> llt(schur);
  if (llt.info() != Eigen::Success) return;  // a pending point duplicates another: nothing to add
  Eigen::MatrixXd grown = Eigen::MatrixXd::Zero(n + p, n + p);
  grown.topLeftCorner(n, n) = factor_;
  grown.bottomLeftCorner(p, n) = b;
  grown.bottomRightCorner(p, p) = llt.matrixL();
  factor_ = std::move(grown);
}

Posterior GaussianProcess::predict(const Eigen::MatrixXd& to_training, const Eigen::MatrixXd& to_pending) const {
  const Eigen::Index m = to_training.rows();
  Eigen::MatrixXd cross(m, factor_.rows());
  cross.leftCols(training_) = kernel(to_training);
  if (factor_.rows() > training_) cross.rightCols(factor_.rows() - training_) = kernel(to_pending);
  Posterior post;
  post.mean = (cross.leftCols(training_) * alpha_).array() * y_scale_ + y_mean_;
  const Eigen::MatrixXd v = factor_.triangularView<Eigen::Lower>().solve(cross.transpose());
  const Eigen::ArrayXd var = (hyper_.signal_variance - v.colwise().squaredNorm().transpose().array()).max(0.0);
  post.stddev = var.sqrt() * y_scale_;
  return post;
}

}  // namespace unas::search
