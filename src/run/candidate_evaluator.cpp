#include "run/candidate_evaluator.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "data/load_dataset.h"
#include "resources/resource_figures.h"
#include "run/experiment_dataset.h"
#include "train/model_weights.h"
#include "train/trainer.h"

namespace unas::run {

namespace {

ResourceCounts counts(const resources::LayerGraph& graph, bool sparse) {
  resources::ResourceOptions options;
  options.sparse = sparse;
  const auto f = resources::measure_resources(graph, options);
  return ResourceCounts{f.peak_memory_bytes, f.model_size_bytes, f.macs};
}

std::string pruned_layers_json(const resources::PrunedLayers& layers) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, layer] : layers) {
    nlohmann::json l = nlohmann::json::object();
    if (layer.kept_outputs) l["kept"] = *layer.kept_outputs;
    if (layer.nonzero_weights) l["nonzero"] = *layer.nonzero_weights;
    j[name] = l;
  }
  return j.dump();
}

void keep_weights(EvaluationResult& r, Weights weights) {
  if (weights.values.size() <= kMaxKeptWeights) r.weights = std::move(weights);
}

void record_inheritance(EvaluationResult& r, const search::Candidate& c, const std::optional<train::InheritanceReport>& report) {
  if (!report) return;
  r.inherited_from = c.parent_id;
  r.inherited_fraction = report->inherited_fraction();
}

}  // namespace

CandidateEvaluator::CandidateEvaluator(const ExperimentConfig& config) : config_(config) {}

const data::Dataset& CandidateEvaluator::dataset() {
  if (!dataset_) {
    dataset_ = load_experiment_dataset(config_);
  }
  return *dataset_;
}

resources::LayerGraph CandidateEvaluator::graph_of(const EvaluationRequest& request) const {
  return resources::build_layer_graph(request.candidate.architecture, data::dataset_input(config_.dataset),
                                      data::dataset_classes(config_.dataset));
}

EvaluationResult CandidateEvaluator::prepare(const EvaluationRequest& request, int rank,
                                             const resources::LayerGraph& graph) const {
  EvaluationResult r;
  r.id = request.candidate.id;
  r.rank = rank;
  r.dense = counts(graph, false);
  r.pruned = r.dense;
  if (config_.max_macs > 0 && r.dense.macs > config_.max_macs)
    r.failure = fmt::format("not trained: {} MACs, over [training] max_macs = {}", r.dense.macs, config_.max_macs);
  return r;
}

EvaluationResult CandidateEvaluator::evaluate(const EvaluationRequest& request, int rank) {
  const search::Candidate& candidate = request.candidate;
  const train::Inheritance* inheritance = request.inheritance ? &*request.inheritance : nullptr;
  train::TrainConfig schedule = inheritance ? config_.inherited_training : config_.training;
  schedule.stop_rungs = request.stop_rungs;
  const resources::LayerGraph graph = graph_of(request);
  EvaluationResult r = prepare(request, rank, graph);
  if (!r.failure.empty()) return r;
  const resources::TensorShape input = data::dataset_input(config_.dataset);
  const int classes = data::dataset_classes(config_.dataset);
  const auto started = std::chrono::steady_clock::now();
  try {
    if (config_.simulate) return simulate(candidate, inheritance, schedule, graph, r);
    train::TrainResult t = train::train_candidate(candidate.architecture, dataset(), schedule, candidate.seed,
                                                  candidate.sparsity.value_or(0.0), inheritance);
    r.ok = t.stopped_at_epoch == 0;
    r.stopped_at_epoch = t.stopped_at_epoch;
    r.val_error = t.val_error;
    r.test_error = t.test_error;
    r.val_curve = t.val_curve;
    r.train_seconds = t.train_seconds;
    r.epochs_trained = static_cast<int>(t.val_curve.size());
    record_inheritance(r, candidate, t.inheritance);
    keep_weights(r, std::move(t.weights));
    if (!t.pruned.empty()) {
      r.pruned = counts(resources::build_layer_graph(candidate.architecture, input, classes, t.pruned),
                        !config_.training.pruning->structured);
      r.pruned_layers = pruned_layers_json(t.pruned);
    }
  } catch (const data::DataError&) {
    throw;  // the rank cannot train anything: fatal for the run
  } catch (const std::exception& e) {
    // Whatever a trainer throws ends this candidate only, with its reason.
    r.ok = false;
    r.failure = e.what();
    r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  return r;
}

// A stand-in for training, for benchmarks and tests of the orchestrator: the duration is drawn
// from the configured distribution (and shortened with the schedule of an inheriting child, and
// where early stopping ends it), the final error falls with the network's MACs (so the search
// has something to optimise) and the validation curve falls towards it, and a failure is an
// exception, as a real trainer's would be. The weights are real: the model as training would
// start it, inheritance included, so weights travel and are stored as in a real run.
EvaluationResult CandidateEvaluator::simulate(const search::Candidate& candidate, const train::Inheritance* inheritance,
                                              const train::TrainConfig& schedule, const resources::LayerGraph& graph,
                                              EvaluationResult r) {
  const SimulatedTraining& sim = *config_.simulate;
  Rng rng(derive_seed(candidate.seed, 0, "simulate"));
  double seconds = sim.mean_seconds;
  if (sim.distribution == "uniform") seconds = rng.uniform(0.0, 2.0 * sim.mean_seconds);
  if (sim.distribution == "exponential") seconds = -sim.mean_seconds * std::log(1.0 - rng.uniform01());
  const bool fails = rng.bernoulli(sim.failure_rate);
  const double final_error =
      std::clamp(0.05 + 0.9 * std::exp(-static_cast<double>(r.dense.macs) / 2e6) + rng.normal(0.0, 0.01), 0.0, 1.0);
  r.test_error = std::clamp(final_error + rng.normal(0.0, 0.01), 0.0, 1.0);
  for (int e = 1; e <= schedule.epochs; ++e) {
    const double remaining = 1.0 - static_cast<double>(e) / schedule.epochs;
    r.val_curve.push_back(std::clamp(final_error + (0.9 - final_error) * remaining * remaining +
                                         (e < schedule.epochs ? rng.normal(0.0, 0.01) : 0.0),
                                     0.0, 1.0));
  }
  r.stopped_at_epoch = stopping_epoch(schedule.stop_rungs, r.val_curve);
  if (r.stopped_at_epoch > 0) r.val_curve.resize(static_cast<std::size_t>(r.stopped_at_epoch));
  r.epochs_trained = static_cast<int>(r.val_curve.size());
  seconds *= static_cast<double>(r.epochs_trained) / static_cast<double>(config_.training.epochs);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  r.train_seconds = seconds;
  if (fails) throw std::runtime_error("simulated trainer failure");
  r.val_error = r.val_curve.back();
  r.ok = r.stopped_at_epoch == 0;
  if (r.ok && static_cast<std::size_t>(r.dense.model_size) <= kMaxKeptWeights) {
    std::optional<train::InheritanceReport> report;
    const train::CandidateModel model =
        train::initial_model(graph, candidate.architecture, schedule.dropout, candidate.seed, inheritance, &report);
    record_inheritance(r, candidate, report);
    keep_weights(r, train::export_weights(*model));
  }
  return r;
}

}  // namespace unas::run
