#include "run/evaluation.h"

#include <cstring>

#include "arch/json_io.h"
#include "arch/morphism_json.h"

namespace unas::run {

namespace {

using Json = arch::Json;  // the architecture's own JSON type: no conversion between the two

// JSON text never holds a raw NUL (the encoder escapes control characters), so the first NUL
// ends it.
std::string with_weights(const Json& header, const Weights& weights) {
  std::string message = header.dump();
  if (weights.empty()) return message;
  const std::size_t text = message.size(), bytes = weights.values.size() * sizeof(float);
  message.resize(text + 1 + bytes);
  message[text] = '\0';
  std::memcpy(message.data() + text + 1, weights.values.data(), bytes);
  return message;
}

std::size_t text_length(const std::string& message) { return strnlen(message.c_str(), message.size()); }

Json header_of(const std::string& message) {
  return Json::parse(message.c_str(), message.c_str() + text_length(message));
}

Weights weights_of(const std::string& message, const Json& header) {
  if (!header.contains("weights")) return {};
  const std::size_t text = text_length(message);
  const std::size_t bytes = message.size() - std::min(message.size(), text + 1);
  std::vector<float> values(bytes / sizeof(float));
  std::memcpy(values.data(), message.data() + text + 1, values.size() * sizeof(float));
  return Weights::from_manifest(header.at("weights").get<std::string>(), std::move(values));
}

Json rungs_json(const std::vector<StopRung>& rungs) {
  Json j = Json::array();
  for (const StopRung& r : rungs) j.push_back({r.epoch, r.max_error});
  return j;
}

std::vector<StopRung> rungs_of(const Json& j) {
  std::vector<StopRung> rungs;
  for (const Json& r : j) rungs.push_back({r.at(0).get<int>(), r.at(1).get<double>()});
  return rungs;
}

}  // namespace

std::string stop_rungs_text(const std::vector<StopRung>& rungs) { return rungs_json(rungs).dump(); }

std::vector<StopRung> stop_rungs_from_text(const std::string& text) {
  return text.empty() ? std::vector<StopRung>{} : rungs_of(Json::parse(text));  // "": a file from before early stopping
}

std::string encode(const EvaluationRequest& request) {
  const search::Candidate& c = request.candidate;
  Json j = {
      {"id", c.id}, {"parent_id", c.parent_id}, {"architecture", arch::to_json(c.architecture)}, {"seed", c.seed}};
  if (c.sparsity) j["sparsity"] = *c.sparsity;
  if (c.morphism) j["morphism"] = arch::to_json_text(*c.morphism);
  if (!request.stop_rungs.empty()) j["stop"] = rungs_json(request.stop_rungs);
  if (!request.inheritance) return j.dump();
  j["parent"] = arch::to_json(request.inheritance->parent);
  j["weights"] = request.inheritance->weights.manifest();
  return with_weights(j, request.inheritance->weights);
}

EvaluationRequest decode_request(const std::string& message) {
  const Json j = header_of(message);
  EvaluationRequest r;
  search::Candidate& c = r.candidate;
  c.id = j.at("id");
  c.parent_id = j.at("parent_id");
  c.architecture = arch::architecture_from_json(j.at("architecture"));
  c.seed = j.at("seed");
  if (j.contains("sparsity")) c.sparsity = j.at("sparsity").get<double>();
  if (j.contains("morphism")) c.morphism = arch::morphism_from_json_text(j.at("morphism").get<std::string>());
  if (j.contains("stop")) r.stop_rungs = rungs_of(j.at("stop"));
  if (j.contains("parent") && c.morphism)
    r.inheritance =
        train::Inheritance{arch::architecture_from_json(j.at("parent")), weights_of(message, j), *c.morphism};
  return r;
}

std::string encode(const EvaluationResult& r) {
  Json j{{"id", r.id},
         {"rank", r.rank},
         {"ok", r.ok},
         {"failure", r.failure},
         {"val_error", r.val_error},
         {"test_error", r.test_error},
         {"val_curve", r.val_curve},
         {"dense", {r.dense.pmu, r.dense.model_size, r.dense.macs}},
         {"pruned", {r.pruned.pmu, r.pruned.model_size, r.pruned.macs}},
         {"pruned_layers", r.pruned_layers},
         {"train_seconds", r.train_seconds},
         {"inherited_from", r.inherited_from},
         {"epochs_trained", r.epochs_trained},
         {"inherited_fraction", r.inherited_fraction},
         {"stopped_at_epoch", r.stopped_at_epoch},
         {"started_at", r.started_at},
         {"host", r.host},
         {"device", r.device}};
  if (!r.weights.empty()) j["weights"] = r.weights.manifest();
  return with_weights(j, r.weights);
}

EvaluationResult decode_result(const std::string& message) {
  const Json j = header_of(message);
  EvaluationResult r;
  r.id = j.at("id");
  r.rank = j.at("rank");
  r.ok = j.at("ok");
  r.failure = j.at("failure");
  r.val_error = j.at("val_error");
  r.test_error = j.at("test_error");
  r.val_curve = j.at("val_curve").get<std::vector<double>>();
  const auto counts = [](const Json& a) { return ResourceCounts{a.at(0), a.at(1), a.at(2)}; };
  r.dense = counts(j.at("dense"));
  r.pruned = counts(j.at("pruned"));
  r.pruned_layers = j.at("pruned_layers");
  r.train_seconds = j.at("train_seconds");
  r.inherited_from = j.at("inherited_from");
  r.epochs_trained = j.at("epochs_trained");
  r.inherited_fraction = j.at("inherited_fraction");
  r.stopped_at_epoch = j.at("stopped_at_epoch");
  r.started_at = j.at("started_at");
  r.host = j.at("host");
  r.device = j.at("device");
  r.weights = weights_of(message, j);
  return r;
}

}  // namespace unas::run
