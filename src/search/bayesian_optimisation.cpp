#include "search/bayesian_optimisation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "arch/json_io.h"
#include "common/parallel_for.h"
#include "resources/build_layer_graph.h"
#include "search/aging_evolution.h"
#include "search/candidate_pool.h"
#include "search/scalarisation.h"

namespace unas::search {

namespace {

NetworkSignature signature_of(const Candidate& c, const SearchSettings& s) {
  return network_signature(resources::build_layer_graph(c.architecture, s.input, s.num_classes));
}

double sparsity_gap(std::optional<double> a, std::optional<double> b) { return std::abs(a.value_or(0.0) - b.value_or(0.0)); }

// Distance standing for "unrelated": the kernel vanishes there and the posterior is the prior.
constexpr double kFarAway = 1e9;

// Observation counts at which the hyperparameters are refitted: every one up to 10, then
// whenever the data grew by a fifth.
std::size_t next_fit_after(std::size_t n) { return n < 10 ? n + 1 : std::max(n + 1, n + n / 5); }

}  // namespace

BayesianOptimisation::BayesianOptimisation(SearchSettings settings) : settings_(std::move(settings)) {}

std::size_t BayesianOptimisation::register_point(const Candidate& candidate) {
  if (auto it = index_.find(candidate.id); it != index_.end()) return it->second;
  // A proposal scored from the pool has its signature and most distances computed already.
  const auto cached = pool_rows_.find(arch::to_json_text(candidate.architecture));
  const PoolRow* row = cached == pool_rows_.end() ? nullptr : &cached->second;
  Point p{candidate, row ? row->signature : signature_of(candidate, settings_), {}};
  p.network_distances.resize(points_.size());
  parallel_for(points_.size(), settings_.bayes_opt.threads, [&](std::size_t q) {
    const bool known = row && q < row->to_point.size() && !std::isnan(row->to_point[q]);
    p.network_distances[q] = known ? row->to_point[q] : network_distance(p.signature, points_[q].signature).normalised;
  });
  points_.push_back(std::move(p));
  index_.emplace(candidate.id, points_.size() - 1);
  return points_.size() - 1;
}

double BayesianOptimisation::point_distance(std::size_t a, std::size_t b) const {
  if (a == b) return 0.0;
  const double network = a > b ? points_[a].network_distances[b] : points_[b].network_distances[a];
  return network + sparsity_gap(points_[a].candidate.sparsity, points_[b].candidate.sparsity);
}

double BayesianOptimisation::distance(std::int64_t id_a, std::int64_t id_b) const {
  return point_distance(index_.at(id_a), index_.at(id_b));
}

BayesianOptimisation::PoolRow& BayesianOptimisation::pool_row(const Candidate& candidate) {
  // Bounded memory: start afresh once the rows would outnumber a few pools.
  if (pool_rows_.size() > 4 * static_cast<std::size_t>(settings_.bayes_opt.pool)) pool_rows_.clear();
  auto [it, fresh] = pool_rows_.try_emplace(arch::to_json_text(candidate.architecture));
  if (fresh) it->second.signature = signature_of(candidate, settings_);
  it->second.to_point.resize(points_.size(), std::numeric_limits<double>::quiet_NaN());
  return it->second;
}

std::pair<Eigen::MatrixXd, Eigen::VectorXd> BayesianOptimisation::training_set() const {
  const auto n = static_cast<Eigen::Index>(observed_.size());
  Eigen::MatrixXd d(n, n);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    y(i) = results_[static_cast<std::size_t>(i)].objectives.error;
    for (Eigen::Index j = 0; j < n; ++j) d(i, j) = point_distance(observed_[i], observed_[j]);
  }
  return {d, y};
}

const GaussianProcess& BayesianOptimisation::model() {
  if (!model_) {
    const auto [d, y] = training_set();
    model_.emplace(d, y, hyper_);
  }
  return *model_;
}

void BayesianOptimisation::observe(const Evaluated& result) {
  const std::size_t point = register_point(result.candidate);
  pending_.erase(result.candidate.id);
  // A failed one stays registered, so it is never proposed again; a stopped one's error where
  // it stopped still tells the model that its region is poor.
  if (!result.ok && !result.stopped) return;
  observed_.push_back(point);
  results_.push_back(result);
  model_.reset();
  if (observed_.size() >= next_fit_) {
    const auto [d, y] = training_set();
    hyper_ = fit_hyperparameters(d, y);
    next_fit_ = next_fit_after(observed_.size());
  }
}

void BayesianOptimisation::resume_pending(const Candidate& candidate) {
  pending_.emplace(candidate.id, register_point(candidate));
}

Candidate BayesianOptimisation::propose(std::int64_t id) {
  Rng rng(derive_seed(settings_.seed, static_cast<std::uint64_t>(id), "propose"));
  Candidate chosen = id < settings_.initial_population || observed_.size() < 2 ? random_candidate(settings_, id, rng)
                                                                                : choose(id, rng);
  pending_.emplace(id, register_point(chosen));
  return chosen;
}

Candidate BayesianOptimisation::choose(std::int64_t id, Rng& rng) {
  const Scalarisation scalarisation = Scalarisation::draw(rng);
  const Bounds& bounds = settings_.bounds;
  Bounds resources_only = bounds;
  resources_only.error.reset();

  std::vector<const Evaluated*> parents;
  for (const auto& r : results_)
    if (r.ok) parents.push_back(&r);
  const auto by_goal = [&](const Evaluated* a, const Evaluated* b) {
    return scalarisation.goal(a->objectives, bounds) < scalarisation.goal(b->objectives, bounds);
  };
  const auto keep = std::min(parents.size(), static_cast<std::size_t>(settings_.bayes_opt.parents));
  std::partial_sort(parents.begin(), parents.begin() + static_cast<std::ptrdiff_t>(keep), parents.end(), by_goal);
  parents.resize(keep);
  std::vector<const Candidate*> known;
  for (const Point& p : points_) known.push_back(&p.candidate);
  std::vector<Candidate> pool = candidate_pool(parents, settings_, id, rng, known);
  if (pool.empty()) return random_candidate(settings_, id, rng);

  // Exact resources and the random normal of every candidate, drawn in pool order so that the
  // proposal does not depend on how far the scan below goes.
  std::vector<Objectives> objectives;
  std::vector<double> resource_goal, normal;
  for (const Candidate& c : pool) {
    objectives.push_back(estimated_resources(c, settings_));
    resource_goal.push_back(scalarisation.goal(objectives.back(), resources_only));
    normal.push_back(rng.normal());
  }
  // The GP with the pending candidates fantasised.
  std::vector<std::size_t> pending;
  for (const auto& [pid, point] : pending_) pending.push_back(point);
  const auto n = static_cast<Eigen::Index>(observed_.size()), p = static_cast<Eigen::Index>(pending.size());
  // Distances from a registered point to the training and the pending points, as row i.
  const auto distances_from = [&](std::size_t q, Eigen::MatrixXd& training, Eigen::MatrixXd& pending_points, Eigen::Index i) {
    for (Eigen::Index j = 0; j < n; ++j) training(i, j) = point_distance(q, observed_[j]);
    for (Eigen::Index j = 0; j < p; ++j) pending_points(i, j) = point_distance(q, pending[j]);
  };
  GaussianProcess gp = model();
  Eigen::MatrixXd pending_to_training(p, n), among(p, p);
  for (Eigen::Index i = 0; i < p; ++i) distances_from(pending[i], pending_to_training, among, i);
  gp.add_pending(pending_to_training, among);
  Eigen::MatrixXd to_training(1, n), to_pending(1, p);
  const auto posterior = [&] {
    const Posterior post = gp.predict(to_training, to_pending);
    return std::make_pair(post.mean(0), post.stddev(0));
  };
  const auto draw = [&](std::pair<double, double> mean_sd, std::size_t k) {
    return std::clamp(mean_sd.first + mean_sd.second * normal[k], 0.0, 1.0);
  };

  // Screening: a child's error is drawn from the posterior at its parent, one morphism away and
  // with every distance already known; a random network's from the prior (infinitely far away).
  std::map<std::int64_t, std::pair<double, double>> screening;  // parent id (-1: none) -> mean, sd
  std::vector<double> screening_goal(pool.size());
  for (std::size_t k = 0; k < pool.size(); ++k) {
    const std::int64_t parent = pool[k].parent_id;
    auto it = screening.find(parent);
    if (it == screening.end()) {
      if (parent < 0) {
        to_training.setConstant(kFarAway);
        to_pending.setConstant(kFarAway);
      } else {
        distances_from(index_.at(parent), to_training, to_pending, 0);
      }
      it = screening.emplace(parent, posterior()).first;
    }
    Objectives o = objectives[k];
    o.error = draw(it->second, k);
    screening_goal[k] = scalarisation.goal(o, bounds);
  }
  std::vector<std::size_t> order(pool.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return screening_goal[a] < screening_goal[b]; });

  // Scoring: the best screened candidates with the GP at their own distances. A candidate whose
  // exact resource terms alone reach the best goal so far cannot win and is passed over.
  std::size_t best = order.front();
  double best_goal = std::numeric_limits<double>::infinity();
  last_scored_ = 0;
  for (std::size_t k : order) {
    if (last_scored_ >= static_cast<std::size_t>(settings_.bayes_opt.scored)) break;
    if (resource_goal[k] >= best_goal) continue;
    PoolRow& row = pool_row(pool[k]);
    parallel_for(static_cast<std::size_t>(n + p), settings_.bayes_opt.threads, [&](std::size_t j) {
      const auto i = static_cast<Eigen::Index>(j);
      const std::size_t point = i < n ? observed_[j] : pending[j - static_cast<std::size_t>(n)];
      double& network = row.to_point[point];
      if (std::isnan(network)) network = network_distance(row.signature, points_[point].signature).normalised;
      const double d = network + sparsity_gap(pool[k].sparsity, points_[point].candidate.sparsity);
      if (i < n) to_training(0, i) = d;
      else to_pending(0, i - n) = d;
    });
    objectives[k].error = draw(posterior(), k);
    const double goal = scalarisation.goal(objectives[k], bounds);
    ++last_scored_;
    if (goal < best_goal) {
      best_goal = goal;
      best = k;
    }
  }
  last_goal_ = best_goal;
  return pool[best];
}

}  // namespace unas::search
