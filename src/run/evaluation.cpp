#include "run/evaluation.h"

#include "arch/json_io.h"

namespace unas::run {

using Json = arch::Json;  // the architecture's own JSON type: no conversion between the two

std::string encode(const search::Candidate& c) {
  Json j = {{"id", c.id}, {"parent_id", c.parent_id}, {"architecture", arch::to_json(c.architecture)}, {"seed", c.seed}};
  if (c.sparsity) j["sparsity"] = *c.sparsity;
  return j.dump();
}

search::Candidate decode_candidate(const std::string& text) {
  const Json j = Json::parse(text);
  search::Candidate c;
  c.id = j.at("id");
  c.parent_id = j.at("parent_id");
  c.architecture = arch::architecture_from_json(j.at("architecture"));
  c.seed = j.at("seed");
  if (j.contains("sparsity")) c.sparsity = j.at("sparsity").get<double>();
  return c;
}

std::string encode(const EvaluationResult& r) {
  return Json{{"id", r.id},
              {"rank", r.rank},
              {"ok", r.ok},
              {"failure", r.failure},
              {"val_error", r.val_error},
              {"test_error", r.test_error},
              {"val_curve", r.val_curve},
              {"dense", {r.dense.pmu, r.dense.model_size, r.dense.macs}},
              {"pruned", {r.pruned.pmu, r.pruned.model_size, r.pruned.macs}},
              {"pruned_layers", r.pruned_layers},
              {"train_seconds", r.train_seconds}}
      .dump();
}

EvaluationResult decode_result(const std::string& text) {
  const Json j = Json::parse(text);
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
  return r;
}

}  // namespace unas::run
