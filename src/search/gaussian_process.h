#pragma once
// A Gaussian process over points known only through a distance between them (the network
// distance plus the sparsity difference), with the kernel
//     k(x, x') = s² · exp(−β · d(x, x'))
// and observation noise η·s². Targets are centred and scaled before fitting. β (relative to the
// median distance) and η are chosen by marginal likelihood over a grid; s² has a closed form
// given those two. Distances such as OT ones do not always give a positive definite kernel, so
// a setting whose Cholesky factorisation fails is skipped, and jitter is added if all fail.
//
// Pending points (proposed, not yet trained) are "fantasised": the posterior is conditioned on
// their own posterior mean. That leaves the mean everywhere unchanged and shrinks the variance
// near them, so the next proposal looks elsewhere (kriging believer).
#include <Eigen/Dense>

namespace unas::search {

struct GpHyperparameters {
  double beta = 1.0;          // per unit of distance
  double noise_ratio = 1e-2;  // η: noise variance over signal variance
  double signal_variance = 1.0;
  double log_marginal_likelihood = 0.0;
};

// Marginal-likelihood choice over the grid, for targets y at points with pairwise distances D.
GpHyperparameters fit_hyperparameters(const Eigen::MatrixXd& distances, const Eigen::VectorXd& y);

struct Posterior {
  Eigen::VectorXd mean;
  Eigen::VectorXd stddev;
};

class GaussianProcess {
 public:
  // Conditions on targets y at n points with pairwise distances D (n×n).
  GaussianProcess(const Eigen::MatrixXd& distances, const Eigen::VectorXd& y, const GpHyperparameters& hyper);

  // Adds p pending points: distances to the n training points (p×n) and among themselves (p×p).
  void add_pending(const Eigen::MatrixXd& to_training, const Eigen::MatrixXd& among);

  // Posterior of the latent function at m query points, given their distances to the training
  // points (m×n) and to the pending points (m×p; empty when there are none).
  Posterior predict(const Eigen::MatrixXd& to_training, const Eigen::MatrixXd& to_pending) const;

  const GpHyperparameters& hyperparameters() const { return hyper_; }

 private:
  Eigen::MatrixXd kernel(const Eigen::MatrixXd& distances) const;

  GpHyperparameters hyper_;
  double y_mean_ = 0.0, y_scale_ = 1.0;
  Eigen::MatrixXd factor_;  // lower Cholesky factor of training (+ pending) covariance
  Eigen::VectorXd alpha_;   // (K + noise)⁻¹ · centred targets, training points only
  Eigen::Index training_ = 0;
};

}  // namespace unas::search
