#pragma once
// Bayesian optimisation as µNAS runs it (SPEC "Search algorithms"): a Gaussian process models
// the validation error of (architecture, sparsity), with a kernel on the OTMANN-style network
// distance plus the difference in target sparsity; peak memory, model size and MACs are computed
// exactly for every candidate instead of being modelled.
//
// Each proposal after the random starting points (`initial_population`, 15 in the authors'
// configs) draws a scalarisation, fills a pool with children of the best points under it and
// with random networks, draws each candidate's error from the GP posterior (Thompson sampling,
// one independent draw per candidate) and proposes the candidate with the lowest goal. Exact
// scoring needs a candidate's network distance to every observed point, so it is done in two
// steps: every candidate is screened with its parent's posterior (a child is one morphism from
// its parent, whose distances are all known; random networks get the prior), and only the best
// `scored` of them get the posterior at their own distances. Among those, a candidate whose
// exact resource terms alone reach the best goal so far cannot win and is skipped. The bench
// (bench/bo_proposal_bench --compare) measures how often this picks what scoring the whole pool
// exactly would.
//
// Asynchronous: pending candidates (proposed, not yet finished) are fantasised at their
// posterior mean, so parallel proposals spread out. Failed candidates leave the model and are
// never proposed again. The state is a function of the observations in the order they were
// observed (hyperparameters are refitted at fixed observation counts), so a resumed run that
// replays the results file rebuilds it exactly.
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "search/gaussian_process.h"
#include "search/network_distance.h"
#include "search/search_algorithm.h"

namespace unas::search {

class BayesianOptimisation : public SearchAlgorithm {
 public:
  explicit BayesianOptimisation(SearchSettings settings);
  Candidate propose(std::int64_t id) override;
  void observe(const Evaluated& result) override;
  void resume_pending(const Candidate& candidate) override;

  std::size_t observed() const { return observed_.size(); }
  std::size_t pending() const { return pending_.size(); }
  const GpHyperparameters& hyperparameters() const { return hyper_; }
  // How many pool candidates the last proposal scored with the GP, and the goal it chose.
  std::size_t last_scored() const { return last_scored_; }
  double last_goal() const { return last_goal_; }

  // Distance between the registered candidates with these ids: network distance + sparsity gap.
  double distance(std::int64_t id_a, std::int64_t id_b) const;

 private:
  struct Point {
    Candidate candidate;
    NetworkSignature signature;
    std::vector<double> network_distances;  // to every point registered before this one
  };

  std::size_t register_point(const Candidate& candidate);
  double point_distance(std::size_t a, std::size_t b) const;
  std::pair<Eigen::MatrixXd, Eigen::VectorXd> training_set() const;  // distances and errors of the observed
  const GaussianProcess& model();
  Candidate choose(std::int64_t id, Rng& rng);

  // Network distances from a pool candidate to the points, kept across proposals: pools are
  // mostly children of the same best points, so the same networks come back round after round.
  struct PoolRow {
    NetworkSignature signature;
    std::vector<double> to_point;  // NaN: not computed yet
  };
  PoolRow& pool_row(const Candidate& candidate);

  SearchSettings settings_;
  std::unordered_map<std::string, PoolRow> pool_rows_;
  std::vector<Point> points_;                  // every proposed or observed candidate
  std::map<std::int64_t, std::size_t> index_;  // candidate id -> point
  std::vector<std::size_t> observed_;          // successful points, in the order observed
  std::vector<Evaluated> results_;             // their results, same order
  std::map<std::int64_t, std::size_t> pending_;
  GpHyperparameters hyper_;
  std::size_t next_fit_ = 2;
  std::optional<GaussianProcess> model_;  // of the observed points; reset by each observation
  std::size_t last_scored_ = 0;
  double last_goal_ = 0.0;
};

}  // namespace unas::search
