#include "run/experiment_config.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>

#include "common/byte_size.h"
#include "common/parallel_for.h"
#include "common/rng.h"
#include "resources/build_layer_graph.h"
#include "run/epoch_scale.h"
#include "run/scale_overlay.h"
#include "run/toml_section.h"
#include "run/toml_tree.h"
#include "train/schedule_scale.h"

namespace unas::run {

namespace {

namespace fs = std::filesystem;

toml::table read_with_extends(const fs::path& file, std::set<fs::path>& chain) {
  if (!fs::exists(file)) throw ConfigError(fmt::format("{}: no such experiment file", file.string()));
  const fs::path canonical = fs::canonical(file);
  if (!chain.insert(canonical).second) throw ConfigError(fmt::format("{}: extends itself (a cycle of extends)", file.string()));
  toml::table table = parse_toml_file(file);
  const toml::node* extends = table.get("extends");
  if (extends == nullptr) return table;
  if (!extends->is_string())
    throw ConfigError(fmt::format("{}:{}: extends: expected the path of another experiment file", file.string(),
                                  extends->source().begin.line));
  const fs::path base_file = file.parent_path() / *extends->value<std::string>();
  toml::table base = read_with_extends(base_file, chain);
  table.erase("extends");
  merge_tables(base, table);
  return base;
}

// "search.rounds=10": the value is TOML (10, 0.5, "x", [1, 2], true), or else a bare string.
void apply_override(toml::table& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("--set \"{}\": expected key.path=value", assignment));
  const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  const std::string origin = "--set " + path;
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + text, origin);
  } catch (const toml::parse_error&) {
    std::string quoted;
    for (char ch : text) quoted += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
    parsed = toml::parse("value = \"" + quoted + "\"", origin);
  }
  std::vector<std::string> keys;
  std::stringstream in(path);
  for (std::string k; std::getline(in, k, '.');) keys.push_back(k);
  toml::table* t = &root;
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
    toml::node* next = t->get(keys[i]);
    if (next == nullptr) next = t->insert(keys[i], toml::table{}).first->second.as_table();
    if (!next->is_table()) throw ConfigError(fmt::format("--set {}: {} is not a table", path, keys[i]));
    t = next->as_table();
  }
  parsed.get("value")->visit([&](auto&& v) { t->insert_or_assign(keys.back(), std::move(v)); });
}

// A bound set to "none" drops that objective even when a base experiment sets it (the "no MS" /
// "no PMU" ablations extend the full one). Removed here, once, so that every reader of the
// resolved experiment (the checks below, `unas inspect`, analysis/) sees a plain missing bound.
void drop_none_bounds(toml::table& root) {
  toml::table* bounds = root["bounds"].as_table();
  if (bounds == nullptr) return;
  std::vector<std::string> dropped;
  for (const auto& [key, value] : *bounds)
    if (value.value<std::string>() == "none") dropped.emplace_back(key.str());
  for (const std::string& key : dropped) bounds->erase(key);
}

std::string to_text(const toml::table& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}

std::string digest_of(const std::string& text) {
  std::uint64_t h = mix64(text.size());
  for (unsigned char c : text) h = mix64(h ^ c);
  return fmt::format("{:016x}", h);
}

void read_dataset(TomlSection s, ExperimentConfig& c) {
  c.dataset.kind = s.string("kind", data::dataset_kinds()).value_or("");
  if (c.dataset.kind.empty()) s.fail("kind", "missing");
  const auto path = s.string("path");
  if (!path) s.fail("path", "missing");
  c.dataset.path = *path;
  if (auto size = s.numbers("image_size", 2, 1, 4096)) {
    c.dataset.image_height = static_cast<int>((*size)[0]);
    c.dataset.image_width = static_cast<int>((*size)[1]);
  }
  c.dataset.binary = s.boolean("binary").value_or(false);
  c.dataset.split_seed = static_cast<std::uint64_t>(s.integer("split_seed", 0, INT64_MAX).value_or(0));
  c.max_train = s.integer("max_train", 0, INT64_MAX).value_or(0);
  c.max_validation = s.integer("max_validation", 0, INT64_MAX).value_or(0);
  c.max_test = s.integer("max_test", 0, INT64_MAX).value_or(0);
  s.finish();
}

// The rungs of the inherited schedule: the same shares of training, in its epochs.
std::vector<int> rungs_in(const std::vector<int>& rungs, int epochs, int in_epochs) {
  std::vector<int> out;
  for (int r : rungs) {
    const auto e = static_cast<int>(train::scaled_epoch_count(r, static_cast<double>(in_epochs) / epochs));
    if (e < in_epochs && (out.empty() || e > out.back())) out.push_back(e);
  }
  return out;
}

// Needs training.epochs and inherited_epochs (read before).
void read_early_stopping(TomlSection s, ExperimentConfig& c) {
  const int epochs = c.training.epochs;
  // No rungs: none given, or none left at a small scale (epoch_scale drops rungs that fall on
  // the last epoch).
  const std::vector<std::int64_t> rungs = s.increasing_integers("rungs", 1, std::max(epochs - 1, 1)).value_or(std::vector<std::int64_t>{});
  EarlyStopping e;
  e.keep = s.number("keep", 0.01, 0.99).value_or(e.keep);
  e.min_reports = static_cast<int>(s.integer("min_reports", 1, 1'000'000).value_or(e.min_reports));
  s.finish();
  if (rungs.empty()) return;
  if (epochs < 2) s.fail("rungs", fmt::format("early stopping needs at least 2 epochs of training (training.epochs = {})", epochs));
  for (std::int64_t r : rungs) e.rungs.push_back(static_cast<int>(r));
  e.inherited_rungs = rungs_in(e.rungs, epochs, c.inherited_training.epochs);
  c.early_stopping = e;
}

void read_search(TomlSection s, ExperimentConfig& c) {
  auto& x = c.search;
  x.algorithm = s.string("algorithm", {"aging_evolution", "random", "bayesian_optimisation"}).value_or("aging_evolution");
  x.rounds = s.integer("rounds", 1, 100'000'000).value_or(2000);
  const bool bayes_opt = x.algorithm == "bayesian_optimisation";
  // Read for every algorithm, so that a BO file can extend its aging-evolution base.
  x.population = s.integer("population", 1, 1'000'000).value_or(100);
  x.sample = s.integer("sample", 1, 1'000'000).value_or(25);
  if (bayes_opt) {
    auto& bo = x.bayes_opt;
    bo.pool = s.integer("pool", 1, 1'000'000).value_or(bo.pool);
    bo.parents = s.integer("parents", 1, 1'000'000).value_or(bo.parents);
    bo.random_share = s.number("random_share", 0.0, 1.0).value_or(bo.random_share);
    bo.threads = static_cast<int>(s.integer("threads", 1, 1024).value_or(std::min(available_cpus(), 8)));
  }
  c.inherit_weights = s.boolean("inherit_weights").value_or(false);
  read_early_stopping(s.section("early_stopping"), c);
  const std::int64_t initial = bayes_opt ? 15 : x.population;  // BO: the authors' 15 starting points
  x.initial_population = s.integer("initial_population", 1, 1'000'000).value_or(std::min(initial, x.rounds));
  if (x.initial_population > x.rounds) s.fail("initial_population", fmt::format("{} is more than the {} rounds", x.initial_population, x.rounds));
  s.finish();
}

void read_bounds(TomlSection s, ExperimentConfig& c) {
  auto& b = c.search.bounds;
  b.error = s.number("error", 1e-9, 1.0);
  b.peak_memory_bytes = s.integer("peak_memory", 1, INT64_MAX);
  b.model_size_bytes = s.integer("model_size", 1, INT64_MAX);
  b.macs = s.integer("macs", 1, INT64_MAX);
  if (!b.error && !b.peak_memory_bytes && !b.model_size_bytes && !b.macs)
    throw ConfigError("bounds: at least one objective needs a bound");
  s.finish();
}

void read_training(TomlSection s, ExperimentConfig& c) {
  auto& t = c.training;
  t.optimizer.kind = s.string("optimizer", {"sgdw", "adamw"}).value_or("sgdw");
  t.optimizer.momentum = s.number("momentum", 0.0, 0.9999).value_or(0.9);
  t.optimizer.weight_decay = s.number("weight_decay", 0.0, 0.5).value_or(0.0);
  if (auto steps = s.steps("learning_rate")) {
    t.optimizer.schedule.clear();
    for (auto [epoch, rate] : *steps) t.optimizer.schedule.push_back({static_cast<int>(epoch), rate});
  }
  t.epochs = static_cast<int>(s.integer("epochs", 1, 100'000).value_or(1));
  t.batch_size = static_cast<int>(s.integer("batch_size", 1, 1 << 20).value_or(128));
  t.dropout = s.number("dropout", 0.0, 0.99).value_or(0.0);
  t.threads = static_cast<int>(s.integer("threads", 1, 1024).value_or(1));
  t.memory_format = s.string("memory_format", {"auto", "channels_last", "nchw"}).value_or("auto");
  t.device = s.string("device").value_or("auto");
  c.max_macs = s.integer("max_macs", 0, INT64_MAX).value_or(0);
  c.search.max_macs = c.max_macs;
  c.inherited_training.epochs =
      static_cast<int>(s.integer("inherited_epochs", 1, t.epochs).value_or(train::scaled_epoch_count(t.epochs, 0.5)));
  c.isolate_trainers = s.string("isolation", {"process", "none"}).value_or("process") == "process";
  c.timeout_seconds = s.number("timeout_seconds", 0.001, 1e9);
  if (const auto limit = s.string("memory_limit")) {
    c.memory_limit_bytes = parse_byte_size(*limit);
    // Every unas process holds ~350 MiB of private mappings (libtorch) before it trains.
    if (!c.memory_limit_bytes || *c.memory_limit_bytes < (512 << 20))
      s.fail("memory_limit", fmt::format("\"{}\": expected a size of at least 512 MiB, e.g. \"4GiB\"", *limit));
  }
  s.finish();
}

void read_pruning(TomlSection s, ExperimentConfig& c) {
  if (!s.has("kind")) {
    s.finish();
    return;
  }
  train::PruningConfig p;
  p.structured = s.string("kind", {"structured", "unstructured"}) == "structured";
  const auto sparsity = s.numbers("sparsity", 2, 0.0, 0.999);
  if (!sparsity || (*sparsity)[0] > (*sparsity)[1]) s.fail("sparsity", "expected [min, max] with 0 <= min <= max < 1");
  const auto epochs = s.numbers("epochs", 2, 1, 100'000);
  if (!epochs || (*epochs)[0] > (*epochs)[1] || (*epochs)[1] > c.training.epochs)
    s.fail("epochs", fmt::format("expected [start, finish] with 1 <= start <= finish <= training.epochs ({})", c.training.epochs));
  p.start_epoch = static_cast<int>((*epochs)[0]);
  p.finish_epoch = static_cast<int>((*epochs)[1]);
  c.training.pruning = p;
  c.search.unstructured = !p.structured;
  c.search.sparsity = search::SparsityRange{(*sparsity)[0], (*sparsity)[1]};
  s.finish();
}

void read_simulate(TomlSection s, ExperimentConfig& c) {
  InjectedFaults& f = c.faults;
  f.crash_rate = s.number("crash_rate", 0.0, 1.0).value_or(0.0);
  f.hang_rate = s.number("hang_rate", 0.0, 1.0).value_or(0.0);
  f.oom_rate = s.number("oom_rate", 0.0, 1.0).value_or(0.0);
  if (f.crash_rate + f.hang_rate + f.oom_rate > 1.0) s.fail("oom_rate", "crash_rate + hang_rate + oom_rate is over 1");
  if (f.any() && !c.isolate_trainers)
    s.fail(f.crash_rate > 0 ? "crash_rate" : f.hang_rate > 0 ? "hang_rate" : "oom_rate",
           "injected faults need [training] isolation = \"process\": they would end the whole run");
  if (f.hang_rate > 0 && !c.timeout_seconds)
    s.fail("hang_rate", "hanging candidates need [training] timeout_seconds: nothing would end them");
  if (f.oom_rate > 0 && !c.memory_limit_bytes)
    s.fail("oom_rate", "running out of memory needs [training] memory_limit: it would take the whole machine's");
  const auto gpus = s.integer("gpus", 0, 1024);
  if (s.has("mean_seconds")) {
    SimulatedTraining sim;
    sim.mean_seconds = *s.number("mean_seconds", 0.0, 1e6);
    sim.distribution = s.string("distribution", {"fixed", "uniform", "exponential"}).value_or("exponential");
    sim.failure_rate = s.number("failure_rate", 0.0, 1.0).value_or(0.0);
    sim.gpus = static_cast<int>(gpus.value_or(0));
    c.simulate = sim;
  } else if (gpus.value_or(0) > 0) {
    s.fail("gpus", "simulated GPUs need simulated training (mean_seconds): a real trainer would look for them");
  }
  s.finish();
}

// What no network of the search space can go below, for an input and class count: the
// classifier reads at least 10 units (one dense block), so it has 10·u + u parameters and MACs
// and its step holds 10 + u bytes. A bound under these cannot be met.
void check_bounds_feasible(const ExperimentConfig& c, const std::string& file) {
  const std::int64_t units = resources::classifier_units(data::dataset_classes(c.dataset));
  const std::int64_t min_size = 11 * units + 20, min_pmu = 10 + units, min_macs = 10 * units;
  const auto& b = c.search.bounds;
  const auto check = [&](const std::optional<std::int64_t>& bound, std::int64_t least, const char* key) {
    if (bound && *bound < least)
      throw ConfigError(fmt::format("{}: bounds.{}: {} cannot be met: every network of the search space needs at least {}",
                                    file, key, *bound, least));
  };
  check(b.model_size_bytes, min_size, "model_size");
  check(b.peak_memory_bytes, min_pmu, "peak_memory");
  check(b.macs, min_macs, "macs");
}

// The whole experiment as one TOML tree, in the order experiment_config.h gives.
toml::table resolve(const fs::path& file, const std::vector<std::string>& overrides, const std::string& scale) {
  std::set<fs::path> chain;
  toml::table root = read_with_extends(file, chain);
  if (const toml::node* n = root.get("scale"))
    throw ConfigError(fmt::format("{}:{}: scale: set by --scale, not in an experiment file", file.string(), n->source().begin.line));
  std::string scale_name;
  if (!scale.empty()) {
    const ScaleOverlay overlay = find_scale(scale, file);
    apply_scale(root, overlay);
    scale_name = overlay.name;
  }
  apply_epoch_scale(root, file.string());
  for (const std::string& o : overrides) apply_override(root, o);
  apply_epoch_scale(root, file.string());  // an epoch_scale from --set scales what stands after it
  const toml::node* recorded = root.get("scale");
  const bool scale_intact = scale_name.empty() ? recorded == nullptr
                                               : recorded != nullptr && recorded->value<std::string>() == scale_name;
  if (!scale_intact) throw ConfigError("--set scale: the scale is chosen with --scale");
  drop_none_bounds(root);
  return root;
}

// Reads and checks a resolved experiment; `origin` names it in errors.
ExperimentConfig read_experiment(toml::table root, const std::string& origin, const std::string& default_name) {
  ExperimentConfig c;
  TomlSection top(&root, "", origin);
  c.name = top.string("name").value_or(default_name);
  c.scale = top.string("scale").value_or("");
  c.seed = static_cast<std::uint64_t>(top.integer("seed", 0, INT64_MAX).value_or(0));
  read_dataset(top.section("dataset"), c);
  read_training(top.section("training"), c);
  read_search(top.section("search"), c);
  c.search.input = data::dataset_input(c.dataset);
  c.search.num_classes = data::dataset_classes(c.dataset);
  read_bounds(top.section("bounds"), c);
  read_pruning(top.section("pruning"), c);
  c.inherited_training = train::schedule_in_epochs(c.training, c.inherited_training.epochs);
  read_simulate(top.section("simulate"), c);
  TomlSection run = top.section("run");
  c.results = run.string("results").value_or("results/" + c.name + (c.scale.empty() ? "" : "." + c.scale) + ".h5");
  c.grace_seconds = run.number("grace_seconds", 0.0, 1e6).value_or(60.0);
  c.trainers_per_gpu = static_cast<int>(run.integer("trainers_per_gpu", 1, 1024).value_or(1));
  run.finish();
  top.finish();
  if (!top.has("dataset")) throw ConfigError(fmt::format("{}: dataset: missing", origin));
  c.search.seed = c.seed;
  check_bounds_feasible(c, origin);

  c.resolved_toml = to_text(root);
  root.erase("run");  // where results go, how long to wait, how trainers share GPUs: not the experiment
  c.digest = digest_of(to_text(root));
  return c;
}

}  // namespace

ExperimentConfig load_experiment(const fs::path& file, const std::vector<std::string>& overrides, const std::string& scale) {
  return read_experiment(resolve(file, overrides, scale), file.string(), file.stem().string());
}

ExperimentConfig load_resolved_experiment(const std::string& toml_text, const std::string& origin, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}: the stored experiment does not parse: {}", origin, e.description()));
  }
  return read_experiment(std::move(root), origin, name);
}

namespace {

// Where results go must take them: found before any work, not when the first row is due. The
// nearest folder that exists is asked (the run creates the rest).
void check_results_writable(const fs::path& results) {
  fs::path folder = fs::absolute(results).parent_path();
  while (!fs::exists(folder) && folder != folder.parent_path()) folder = folder.parent_path();
  const fs::path asked = fs::exists(results) ? results : folder;
  if (access(asked.c_str(), W_OK) != 0)
    throw ConfigError(fmt::format("run.results: {}: cannot write {} ({})", results.string(),
                                  asked == results ? "it" : "in " + folder.string(), std::strerror(errno)));
}

}  // namespace

void check_environment(const ExperimentConfig& config) {
  check_results_writable(config.results);
  if (config.simulate) return;  // simulated trainers read no data
  try {
    data::check_dataset_files(config.dataset);
  } catch (const data::DataError& e) {
    throw ConfigError(fmt::format("dataset: {}", e.what()));
  }
}

}  // namespace unas::run
