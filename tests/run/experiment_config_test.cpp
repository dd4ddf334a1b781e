#include "run/experiment_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace unas::run {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBase = R"(name = "base"
seed = 4

[dataset]
kind = "chars74k"
path = "data/chars74k"
image_size = [48, 48]

[search]
rounds = 2000
population = 100
sample = 25

[bounds]
error = 0.30
peak_memory = 10000
model_size = 20000
macs = 1000000

[training]
optimizer = "sgdw"
weight_decay = 1e-4
learning_rate = [[0, 0.01], [35, 0.005]]
epochs = 60
batch_size = 80
dropout = 0.15
)";

class ExperimentConfigTest : public unas::testing::TempDirTest {
 protected:
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  std::string error_of(const fs::path& file, const std::vector<std::string>& sets = {}, const std::string& scale = {}) {
    try {
      load_experiment(file, sets, scale);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(ExperimentConfigTest, BayesOptSettingsBelongToBayesOpt) {
  const fs::path base = write("base.toml", kBase);
  const ExperimentConfig bo = load_experiment(
      base, {"search.algorithm=bayesian_optimisation", "search.pool=200", "search.threads=2"});
  EXPECT_EQ(bo.search.bayes_opt.pool, 200);
  EXPECT_EQ(bo.search.bayes_opt.threads, 2);
  EXPECT_EQ(bo.search.bayes_opt.parents, 10);
  EXPECT_EQ(bo.search.initial_population, 15);  // the authors' starting points
  EXPECT_NE(error_of(base, {"search.pool=200"}).find("pool"), std::string::npos);
  EXPECT_NE(error_of(base, {"search.algorithm=bayesian_optimisation", "search.random_share=1.5"}).find("random_share"),
            std::string::npos);
}

TEST_F(ExperimentConfigTest, ReadsEverySection) {
  const ExperimentConfig c = load_experiment(write("base.toml", kBase));
  EXPECT_EQ(c.name, "base");
  EXPECT_EQ(c.search.seed, 4U);
  EXPECT_EQ(c.dataset.kind, "chars74k");
  EXPECT_EQ(c.search.rounds, 2000);
  EXPECT_EQ(c.search.initial_population, 100);  // defaults to the population
  EXPECT_EQ(*c.search.bounds.peak_memory_bytes, 10000);
  ASSERT_EQ(c.training.optimizer.schedule.size(), 2U);
  EXPECT_EQ(c.training.optimizer.schedule[1].from_epoch, 35);
  EXPECT_DOUBLE_EQ(c.training.optimizer.schedule[1].rate, 0.005);
  EXPECT_FALSE(c.training.pruning.has_value());
  EXPECT_EQ(c.results, fs::path("results/base.h5"));
}

TEST_F(ExperimentConfigTest, ExtendsMergesTablesAndOverridesComeLast) {
  write("base.toml", kBase);
  const fs::path child = write("prune.toml", R"(extends = "base.toml"
name = "base_prune"
[pruning]
kind = "structured"
sparsity = [0.10, 0.85]
epochs = [20, 53]
[bounds]
macs = 2000000
)");
  const ExperimentConfig c = load_experiment(child, {"search.rounds=50", "dataset.path=/elsewhere", "training.dropout=0"});
  EXPECT_EQ(c.name, "base_prune");
  EXPECT_EQ(*c.search.bounds.macs, 2000000);         // the child wins
  EXPECT_EQ(*c.search.bounds.model_size_bytes, 20000);  // the rest of [bounds] is the base's
  EXPECT_EQ(c.search.rounds, 50);
  EXPECT_EQ(c.dataset.path, fs::path("/elsewhere"));   // a bare string is a string
  EXPECT_EQ(c.training.dropout, 0.0);
  ASSERT_TRUE(c.training.pruning.has_value());
  EXPECT_TRUE(c.training.pruning->structured);
  EXPECT_EQ(c.training.pruning->finish_epoch, 53);
  EXPECT_DOUBLE_EQ(c.search.sparsity->max, 0.85);
  EXPECT_NE(c.resolved_toml.find("base_prune"), std::string::npos);
  EXPECT_EQ(c.resolved_toml.find("extends"), std::string::npos);
}

TEST_F(ExperimentConfigTest, DigestFollowsTheExperimentNotWhereResultsGo) {
  const fs::path f = write("base.toml", kBase);
  const std::string d = load_experiment(f).digest;
  EXPECT_EQ(load_experiment(f).digest, d);
  EXPECT_EQ(load_experiment(f, {"run.results=/tmp/x.h5", "run.grace_seconds=5"}).digest, d);
  EXPECT_NE(load_experiment(f, {"search.rounds=10"}).digest, d);
}

TEST_F(ExperimentConfigTest, EveryBadSettingNamesFileLineAndKey) {
  const std::string base = kBase;
  const auto with = [&](const std::string& extra) { return write("bad.toml", base + extra); };
  const std::string file = (dir_ / "bad.toml").string();
  EXPECT_EQ(error_of(with("[search2]\nrounds = 1\n")), file + ":27: search2: unknown key");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase).replace(std::string(kBase).find("rounds = 2000"), 13, "rouns = 2000"))),
            file + ":10: search.rouns: unknown key");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase).replace(std::string(kBase).find("rounds = 2000"), 13, "rounds = \"x\""))),
            file + ":10: search.rounds: expected an integer, got 'x'");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase).replace(std::string(kBase).find("rounds = 2000"), 13, "rounds = 0"))),
            file + ":10: search.rounds: 0 is outside 1..100000000");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase).replace(std::string(kBase).find("\"chars74k\""), 10, "\"imagenet\""))),
            file + ":5: dataset.kind: \"imagenet\" is not one of mnist, fashion_mnist, cifar10, chars74k, speech_commands");
  EXPECT_EQ(error_of(with("[pruning]\nkind = \"structured\"\nsparsity = [0.1, 0.8]\nepochs = [20, 70]\n")),
            file + ":30: pruning.epochs: expected [start, finish] with 1 <= start <= finish <= training.epochs (60)");
  EXPECT_EQ(error_of(write("bad.toml", "name = \"x\"\n[dataset\n")).rfind(file + ":2: ", 0), 0U);  // a syntax error
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase).replace(std::string(kBase).find("model_size = 20000"), 18, "model_size = 300"))),
            file + ": bounds.model_size: 300 cannot be met: every network of the search space needs at least 702");
  EXPECT_EQ(error_of(dir_ / "absent.toml"), (dir_ / "absent.toml").string() + ": no such experiment file");
  write("a.toml", "extends = \"b.toml\"\n");
  write("b.toml", "extends = \"a.toml\"\n");
  EXPECT_EQ(error_of(dir_ / "a.toml"), (dir_ / "a.toml").string() + ": extends itself (a cycle of extends)");
  EXPECT_EQ(error_of(write("ok.toml", kBase), {"search.rounds=-5"}), "--set search.rounds: search.rounds: -5 is outside 1..100000000");
  EXPECT_EQ(error_of(write("ok.toml", kBase), {"rounds"}), "--set \"rounds\": expected key.path=value");
}

TEST_F(ExperimentConfigTest, IsolationLimitsAndInjectedFaults) {
  const fs::path f = write("base.toml", kBase);
  const ExperimentConfig plain = load_experiment(f);
  EXPECT_TRUE(plain.isolate_trainers);  // the default: a crash costs one candidate
  EXPECT_FALSE(plain.timeout_seconds || plain.memory_limit_bytes || plain.faults.any() || plain.simulate);

  const ExperimentConfig limited = load_experiment(
      f, {"training.timeout_seconds=600", "training.memory_limit=\"1.5GiB\"", "simulate.crash_rate=0.1",
          "simulate.hang_rate=0.05", "simulate.oom_rate=0.05"});
  EXPECT_EQ(limited.timeout_seconds, 600.0);
  EXPECT_EQ(limited.memory_limit_bytes, 3LL << 29);
  EXPECT_DOUBLE_EQ(limited.faults.crash_rate + limited.faults.hang_rate + limited.faults.oom_rate, 0.2);
  EXPECT_FALSE(limited.simulate);  // faults in real training: no mean_seconds, no sleeping
  EXPECT_FALSE(load_experiment(f, {"training.isolation=\"none\""}).isolate_trainers);

  EXPECT_EQ(error_of(f, {"training.memory_limit=\"4 gigs\""}),
            "--set training.memory_limit: training.memory_limit: \"4 gigs\": expected a size of at least 512 MiB, "
            "e.g. \"4GiB\"");
  EXPECT_EQ(error_of(f, {"training.isolation=\"thread\""}),
            "--set training.isolation: training.isolation: \"thread\" is not one of process, none");
  EXPECT_EQ(error_of(f, {"training.isolation=\"none\"", "simulate.crash_rate=0.1"}),
            "--set simulate.crash_rate: simulate.crash_rate: injected faults need [training] isolation = "
            "\"process\": they would end the whole run");
  EXPECT_EQ(error_of(f, {"simulate.hang_rate=0.1"}),
            "--set simulate.hang_rate: simulate.hang_rate: hanging candidates need [training] timeout_seconds: nothing would end them");
  EXPECT_EQ(error_of(f, {"simulate.oom_rate=0.1"}),
            "--set simulate.oom_rate: simulate.oom_rate: running out of memory needs [training] memory_limit: it would take the whole machine's");
  EXPECT_NE(error_of(f, {"simulate.crash_rate=0.7", "simulate.oom_rate=0.5", "training.memory_limit=\"1GiB\""}).find("over 1"),
            std::string::npos);
}

// [run] trainers_per_gpu does not change the experiment (a resumed run may use other hardware);
// simulated GPUs only with simulated training.
TEST_F(ExperimentConfigTest, TrainersPerGpuAndSimulatedGpus) {
  const fs::path f = write("base.toml", kBase);
  EXPECT_EQ(load_experiment(f).trainers_per_gpu, 1);
  const ExperimentConfig four = load_experiment(f, {"run.trainers_per_gpu=4"});
  EXPECT_EQ(four.trainers_per_gpu, 4);
  EXPECT_EQ(four.digest, load_experiment(f).digest);
  EXPECT_EQ(error_of(f, {"run.trainers_per_gpu=0"}),
            "--set run.trainers_per_gpu: run.trainers_per_gpu: 0 is outside 1..1024");
  EXPECT_EQ(load_experiment(f, {"simulate.mean_seconds=0.1", "simulate.gpus=2"}).simulate->gpus, 2);
  EXPECT_EQ(error_of(f, {"simulate.gpus=2"}),
            "--set simulate.gpus: simulate.gpus: simulated GPUs need simulated training (mean_seconds): a real "
            "trainer would look for them");
}

std::vector<std::pair<int, double>> steps_of(const ExperimentConfig& c) {
  std::vector<std::pair<int, double>> out;
  for (const auto& s : c.training.optimizer.schedule) out.emplace_back(s.from_epoch, s.rate);
  return out;
}

constexpr const char* kPruning = "[pruning]\nkind = \"structured\"\nsparsity = [0.1, 0.85]\nepochs = [20, 53]\n";

TEST_F(ExperimentConfigTest, EpochScaleScalesTheScheduleInProportion) {
  const fs::path f = write("base.toml", std::string(kBase) + kPruning);
  // Chars74K at 0.2: 60 -> 12 epochs, the LR step 35 -> 7, pruning 20..53 (time 19..53) -> 5..11.
  const ExperimentConfig c = load_experiment(f, {"training.epoch_scale=0.2"});
  EXPECT_EQ(c.training.epochs, 12);
  EXPECT_EQ(steps_of(c), (std::vector<std::pair<int, double>>{{0, 0.01}, {7, 0.005}}));
  EXPECT_EQ(c.training.pruning->start_epoch, 5);
  EXPECT_EQ(c.training.pruning->finish_epoch, 11);
  EXPECT_EQ(c.resolved_toml.find("epoch_scale"), std::string::npos);  // what is trained, not how it was derived
  // CIFAR-10 at 0.05: 130 -> 7 (6.5 rounds up); steps 90 -> 5 (4.5) and 105 -> 5 (5.25): the
  // 0.005 phase rounds to nothing and gives way; pruning 90..120 -> 5..6.
  const ExperimentConfig cifar = load_experiment(
      f, {"training.epochs=130", "training.learning_rate=[[0, 0.01], [90, 0.005], [105, 0.001]]", "pruning.epochs=[90, 120]",
          "training.epoch_scale=0.05"});
  EXPECT_EQ(cifar.training.epochs, 7);
  EXPECT_EQ(steps_of(cifar), (std::vector<std::pair<int, double>>{{0, 0.01}, {5, 0.001}}));
  EXPECT_EQ(cifar.training.pruning->start_epoch, 5);
  EXPECT_EQ(cifar.training.pruning->finish_epoch, 6);
  // A first phase that rounds to nothing gives way too; epoch 0 stays the first step.
  const ExperimentConfig early = load_experiment(f, {"training.learning_rate=[[0, 0.01], [3, 0.005]]", "training.epoch_scale=0.1"});
  EXPECT_EQ(steps_of(early), (std::vector<std::pair<int, double>>{{0, 0.005}}));
  // Far down, at least one epoch, and pruning inside it.
  const ExperimentConfig tiny = load_experiment(f, {"training.epoch_scale=0.001"});
  EXPECT_EQ(tiny.training.epochs, 1);
  EXPECT_EQ(tiny.training.pruning->start_epoch, 1);
  EXPECT_EQ(tiny.training.pruning->finish_epoch, 1);
  // --set after the scale is taken as written; an epoch_scale in --set scales what stands then.
  EXPECT_EQ(load_experiment(f, {"training.epoch_scale=0.5", "training.epochs=50"}).training.epochs, 25);
  EXPECT_EQ(error_of(f, {"training.epoch_scale=0"}), "--set training.epoch_scale: training.epoch_scale: 0 is outside 1e-06..1000");
}

TEST_F(ExperimentConfigTest, InheritedScheduleIsTheWholeScheduleInFewerEpochs) {
  const fs::path f = write("base.toml", std::string(kBase) + kPruning);
  const ExperimentConfig off = load_experiment(f);
  EXPECT_FALSE(off.inherit_weights);  // the paper's behaviour
  EXPECT_EQ(off.inherited_training.epochs, 30);  // by default half the schedule
  // Chars74K in 15 epochs: factor 1/4, the LR step 35 -> 9, pruning 20..53 -> 6..13.
  const ExperimentConfig on = load_experiment(f, {"search.inherit_weights=true", "training.inherited_epochs=15"});
  EXPECT_TRUE(on.inherit_weights);
  EXPECT_EQ(on.inherited_training.epochs, 15);
  EXPECT_EQ(on.inherited_training.optimizer.schedule.size(), 2U);
  EXPECT_EQ(on.inherited_training.optimizer.schedule[1].from_epoch, 9);
  EXPECT_EQ(on.inherited_training.pruning->start_epoch, 6);
  EXPECT_EQ(on.inherited_training.pruning->finish_epoch, 13);
  EXPECT_EQ(on.inherited_training.batch_size, on.training.batch_size);
  EXPECT_EQ(on.training.epochs, 60);  // the full schedule is untouched
  // Both keys change what the experiment is, so a results file of the other setting is refused.
  EXPECT_NE(on.digest, off.digest);
  EXPECT_NE(load_experiment(f, {"search.inherit_weights=true", "training.inherited_epochs=20"}).digest, on.digest);
  // epoch_scale scales it like every epoch setting: 15 of 60 is 3 of 12.
  const ExperimentConfig scaled = load_experiment(f, {"training.inherited_epochs=15", "training.epoch_scale=0.2"});
  EXPECT_EQ(scaled.training.epochs, 12);
  EXPECT_EQ(scaled.inherited_training.epochs, 3);
  EXPECT_EQ(error_of(f, {"training.inherited_epochs=61"}),
            "--set training.inherited_epochs: training.inherited_epochs: 61 is outside 1..60");
  EXPECT_EQ(error_of(f, {"search.inherit_weights=3"}),
            "--set search.inherit_weights: search.inherit_weights: expected true or false, got 3");
}

TEST_F(ExperimentConfigTest, EarlyStoppingRungsFollowTheScheduleAndItsScale) {
  const fs::path f = write("base.toml", std::string(kBase) + "[search.early_stopping]\nrungs = [3, 9, 27]\nkeep = 0.25\n");
  const ExperimentConfig c = load_experiment(f, {"training.inherited_epochs=20"});
  ASSERT_TRUE(c.early_stopping);
  EXPECT_EQ(c.early_stopping->rungs, (std::vector<int>{3, 9, 27}));
  EXPECT_EQ(c.early_stopping->inherited_rungs, (std::vector<int>{1, 3, 9}));  // a third of 60: 3·1/3, 9/3, 27/3
  EXPECT_EQ(c.early_stopping->keep, 0.25);
  EXPECT_EQ(c.early_stopping->min_reports, 8);
  EXPECT_FALSE(load_experiment(write("plain.toml", kBase)).early_stopping);
  // At 0.2: 60 -> 12 epochs, rungs 3 -> 1 (0.6 rounds up to the first epoch), 9 -> 2, 27 -> 5.
  EXPECT_EQ(load_experiment(f, {"training.epoch_scale=0.2"}).early_stopping->rungs, (std::vector<int>{1, 2, 5}));
  // At 0.05 (3 epochs) 27 -> 1 and 9 -> 0 fall together at epoch 1; at 1 epoch none is left.
  EXPECT_EQ(load_experiment(f, {"training.epoch_scale=0.05"}).early_stopping->rungs, (std::vector<int>{1}));
  EXPECT_FALSE(load_experiment(f, {"training.epoch_scale=0.01"}).early_stopping);
  EXPECT_NE(load_experiment(f).digest, load_experiment(write("plain.toml", kBase)).digest);
  const std::string file = (dir_ / "bad.toml").string();
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase) + "[search.early_stopping]\nrungs = [9, 3]\n")),
            file + ":28: search.early_stopping.rungs: expected increasing integers in 1..59, e.g. [1, 59]");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase) + "[search.early_stopping]\nrungs = [60]\n")),
            file + ":28: search.early_stopping.rungs: expected increasing integers in 1..59, e.g. [1, 59]");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase) + "[search.early_stopping]\nrungs = [3]\nkeep = 1.5\n")),
            file + ":29: search.early_stopping.keep: 1.5 is outside 0.01..0.99");
  EXPECT_EQ(error_of(write("bad.toml", std::string(kBase) + "[search.early_stopping]\nrung = [3]\n")),
            file + ":28: search.early_stopping.rung: unknown key");
}

TEST_F(ExperimentConfigTest, StoredExperimentReadsBackAsTheSame) {
  const fs::path overlay = write("small.toml", "[training]\nepoch_scale = 0.5\n");
  const ExperimentConfig c =
      load_experiment(write("base.toml", std::string(kBase) + kPruning), {"search.inherit_weights=true"}, overlay.string());
  const ExperimentConfig again = load_resolved_experiment(c.resolved_toml, "stored", "base");
  EXPECT_EQ(again.digest, c.digest);
  EXPECT_EQ(again.scale, "small");
  EXPECT_EQ(again.training.epochs, c.training.epochs);  // not scaled twice
  EXPECT_EQ(again.inherited_training.epochs, c.inherited_training.epochs);
  EXPECT_EQ(again.results, c.results);
  EXPECT_TRUE(again.inherit_weights);
}

TEST_F(ExperimentConfigTest, ScaleOverlayMergesAfterExtendsAndBeforeSet) {
  const fs::path f = write("base.toml", std::string(kBase) + kPruning);
  fs::create_directories(dir_ / "scales");
  write("scales/small.toml", "[search]\nrounds = 40\npopulation = 10\nsample = 3\n[training]\nepoch_scale = 0.2\n");
  const ExperimentConfig full = load_experiment(f);
  const ExperimentConfig small = load_experiment(f, {}, "small");
  EXPECT_EQ(small.name, "base");  // the same experiment, smaller
  EXPECT_EQ(small.scale, "small");
  EXPECT_EQ(small.search.rounds, 40);
  EXPECT_EQ(small.search.initial_population, 10);
  EXPECT_EQ(small.search.bounds.model_size_bytes, full.search.bounds.model_size_bytes);
  EXPECT_EQ(small.training.epochs, 12);
  EXPECT_EQ(small.results, fs::path("results/base.small.h5"));  // never the full run's file
  EXPECT_NE(small.digest, full.digest);
  EXPECT_NE(small.resolved_toml.find("scale = 'small'"), std::string::npos) << small.resolved_toml;
  EXPECT_EQ(load_experiment(f, {"search.rounds=12"}, "small").search.rounds, 12);  // --set wins
  EXPECT_EQ(load_experiment(f, {}, (dir_ / "scales" / "small.toml").string()).scale, "small");  // a path
  EXPECT_EQ(load_experiment(f, {"run.results=/tmp/r.h5"}, "small").results, fs::path("/tmp/r.h5"));

  // The scales listed are those beside the experiment and, from the repository root, in experiments/scales/.
  const std::string unknown = error_of(f, {}, "huge");
  EXPECT_EQ(unknown.rfind("--scale huge: no huge.toml in " + (dir_ / "scales").string() + " (there are: ", 0), 0U) << unknown;
  EXPECT_NE(unknown.find("small"), std::string::npos) << unknown;
  EXPECT_EQ(error_of(f, {}, "/nowhere/x.toml"), "--scale /nowhere/x.toml: no such overlay file");
  write("scales/renamed.toml", "name = \"other\"\n[search]\nrounds = 4\n");
  EXPECT_EQ(error_of(f, {}, "renamed"),
            (dir_ / "scales" / "renamed.toml").string() + ":1: name: a scale overlay cannot set it (a scaled run is the same experiment)");
  EXPECT_EQ(error_of(f, {"scale=small"}), "--set scale: the scale is chosen with --scale");
  EXPECT_EQ(error_of(write("scaled.toml", "scale = \"small\"\n" + std::string(kBase))),
            (dir_ / "scaled.toml").string() + ":1: scale: set by --scale, not in an experiment file");
  write("scales/typo.toml", "[serach]\nrounds = 4\n");
  EXPECT_EQ(error_of(f, {}, "typo"), (dir_ / "scales" / "typo.toml").string() + ":1: serach: unknown key");
}

TEST_F(ExperimentConfigTest, MissingDataSetIsReportedBeforeAnyWork) {
  const ExperimentConfig c = load_experiment(write("base.toml", kBase), {"dataset.path=" + (dir_ / "nowhere").string()});
  try {
    check_environment(c);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "dataset: " + (dir_ / "nowhere" / "English/Img/GoodImg/Bmp").string() +
                                         ": no such directory (expected the Chars74K EnglishImg layout)");
  }
}

}  // namespace
}  // namespace unas::run

namespace unas::run {
namespace {

// Every experiment file of the repository loads, and the ablations differ from their bases in
// exactly what the paper varies.
TEST(Experiments, EveryFileInExperimentsLoads) {
  const fs::path dir = fs::path(UNAS_SOURCE_DIR) / "experiments";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    const ExperimentConfig c = load_experiment(entry.path());
    EXPECT_EQ(c.name, entry.path().stem().string());
    ++count;
  }
  EXPECT_GE(count, 19);

  const auto load = [&](const char* name) { return load_experiment(dir / (std::string(name) + ".toml")); };
  const ExperimentConfig ae = load("mnist_ae"), no_ms = load("mnist_ae_no_ms"), no_pmu = load("mnist_ae_no_pmu");
  EXPECT_FALSE(no_ms.search.bounds.model_size_bytes.has_value());
  EXPECT_EQ(no_ms.search.bounds.peak_memory_bytes, ae.search.bounds.peak_memory_bytes);
  EXPECT_FALSE(no_pmu.search.bounds.peak_memory_bytes.has_value());
  EXPECT_EQ(no_pmu.search.bounds.model_size_bytes, ae.search.bounds.model_size_bytes);
  const ExperimentConfig sparse = load("mnist_sparse");
  EXPECT_FALSE(sparse.training.pruning->structured);
  EXPECT_FALSE(sparse.search.bounds.macs.has_value());
  EXPECT_EQ(*sparse.search.bounds.model_size_bytes, 1000);
  const ExperimentConfig bo = load("chars74k_bo"), bo_prune = load("chars74k_bo_prune"), chars_ae = load("chars74k_ae");
  EXPECT_EQ(bo.search.algorithm, "bayesian_optimisation");
  EXPECT_EQ(bo.search.rounds, 800);
  EXPECT_EQ(bo.search.initial_population, 15);
  EXPECT_EQ(bo.search.bounds.macs, chars_ae.search.bounds.macs);
  EXPECT_EQ(bo.training.epochs, chars_ae.training.epochs);
  EXPECT_EQ(bo.search.input, (resources::TensorShape{48, 48, 3}));
  EXPECT_EQ(bo.search.num_classes, 62);
  ASSERT_TRUE(bo_prune.search.sparsity.has_value());
  EXPECT_EQ(bo_prune.search.sparsity->max, 0.85);
  EXPECT_FALSE(bo_prune.search.unstructured);
  EXPECT_TRUE(sparse.search.unstructured);
  const ExperimentConfig binary = load("chars74k_binary_ae_prune");
  EXPECT_TRUE(binary.dataset.binary);
  EXPECT_EQ(binary.dataset.image_height, 32);
  EXPECT_EQ(binary.training.epochs, 60);  // inherited from chars74k_ae
  const ExperimentConfig speech = load("speech_commands_ae_prune");
  EXPECT_EQ(speech.dataset.kind, "speech_commands");
  EXPECT_EQ(speech.training.optimizer.kind, "adamw");
  EXPECT_EQ(speech.training.epochs, 45);
  EXPECT_EQ(speech.training.batch_size, 50);
  EXPECT_EQ(speech.training.pruning->finish_epoch, 40);
  EXPECT_EQ(speech.search.sparsity->max, 0.90);
  EXPECT_EQ(*speech.search.bounds.macs, 20000000);
  EXPECT_NE(ae.digest, no_ms.digest);
  EXPECT_EQ(no_ms.resolved_toml.find("none"), std::string::npos);  // stored as a plain missing bound
}

}  // namespace
}  // namespace unas::run

namespace unas::run {
namespace {

// Every experiment file loads at every scale of experiments/scales/: the same experiment (name,
// bounds, pruning kind), smaller, into its own results file, with a valid schedule.
TEST(Experiments, EveryFileLoadsAtEveryScale) {
  const fs::path dir = fs::path(UNAS_SOURCE_DIR) / "experiments";
  int count = 0;
  for (const auto& overlay : fs::directory_iterator(dir / "scales")) {
    const std::string scale = overlay.path().stem().string();
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".toml") continue;
      SCOPED_TRACE(entry.path().filename().string() + " at scale " + scale);
      const ExperimentConfig full = load_experiment(entry.path());
      const ExperimentConfig c = load_experiment(entry.path(), {}, scale);
      EXPECT_EQ(c.name, full.name);
      EXPECT_EQ(c.scale, scale);
      EXPECT_EQ(c.results, fs::path("results") / (full.name + "." + scale + ".h5"));
      EXPECT_LT(c.search.rounds, full.search.rounds);
      EXPECT_LE(c.training.epochs, full.training.epochs);
      EXPECT_EQ(c.search.bounds.error, full.search.bounds.error);
      EXPECT_EQ(c.search.bounds.model_size_bytes, full.search.bounds.model_size_bytes);
      EXPECT_LE(c.training.optimizer.schedule.size(), full.training.optimizer.schedule.size());
      ASSERT_EQ(c.training.pruning.has_value(), full.training.pruning.has_value());
      if (c.training.pruning) {
        EXPECT_EQ(c.training.pruning->structured, full.training.pruning->structured);
      }
      ++count;
    }
  }
  EXPECT_GE(count, 2 * 15);
}

TEST(Experiments, ScaledValuesOfRealExperiments) {
  const fs::path dir = fs::path(UNAS_SOURCE_DIR) / "experiments";
  const auto load = [&](const char* name, const char* scale) {
    return load_experiment(dir / (std::string(name) + ".toml"), {}, scale ? scale : "");
  };
  using Steps = std::vector<std::pair<int, double>>;

  // Chars74K + pruning (60 epochs, LR step at 35, pruning 20..53) on one 2-core machine.
  const ExperimentConfig local = load("chars74k_ae_prune", "local");
  EXPECT_EQ(local.search.rounds, 50);
  EXPECT_EQ(local.search.population, 16);
  EXPECT_EQ(local.search.sample, 4);
  EXPECT_EQ(local.search.initial_population, 12);
  EXPECT_EQ(local.max_train, 0);  // all the data
  EXPECT_EQ(local.training.epochs, 12);
  EXPECT_EQ(steps_of(local), (Steps{{0, 0.01}, {7, 0.005}}));
  EXPECT_EQ(local.training.pruning->start_epoch, 5);
  EXPECT_EQ(local.training.pruning->finish_epoch, 11);
  EXPECT_EQ(local.results, fs::path("results/chars74k_ae_prune.local.h5"));
  EXPECT_EQ(local.max_macs, 2'000'000);
  EXPECT_EQ(load("chars74k_ae_prune", nullptr).max_macs, 0);  // the paper's runs train every candidate

  const ExperimentConfig smoke = load("chars74k_ae_prune", "smoke");
  EXPECT_EQ(smoke.search.rounds, 6);
  EXPECT_EQ(smoke.max_train, 400);
  EXPECT_EQ(smoke.max_validation, 100);
  EXPECT_EQ(smoke.max_test, 100);
  EXPECT_EQ(smoke.training.epochs, 2);
  EXPECT_EQ(steps_of(smoke), (Steps{{0, 0.01}, {1, 0.005}}));
  EXPECT_EQ(smoke.training.pruning->start_epoch, 1);
  EXPECT_EQ(smoke.training.pruning->finish_epoch, 1);

  // MNIST + pruning (30 epochs, pruning 3..18).
  const ExperimentConfig mnist = load("mnist_ae_prune", "local");
  EXPECT_EQ(mnist.training.epochs, 6);
  EXPECT_EQ(steps_of(mnist), (Steps{{0, 0.005}}));
  EXPECT_EQ(mnist.training.pruning->start_epoch, 1);
  EXPECT_EQ(mnist.training.pruning->finish_epoch, 4);

  // CIFAR-10 + pruning (130 epochs, steps at 90 and 105, pruning 90..120).
  const ExperimentConfig cifar = load("cifar10_ae_prune", "local");
  EXPECT_EQ(cifar.training.epochs, 26);
  EXPECT_EQ(steps_of(cifar), (Steps{{0, 0.01}, {18, 0.005}, {21, 0.001}}));
  EXPECT_EQ(cifar.training.pruning->start_epoch, 19);
  EXPECT_EQ(cifar.training.pruning->finish_epoch, 24);

  // Fashion-MNIST + pruning (45 epochs, steps at 25 and 35, pruning 3..38) in one epoch: the
  // 0.005 phase rounds to nothing.
  const ExperimentConfig fashion = load("fashion_ae_prune", "smoke");
  EXPECT_EQ(fashion.training.epochs, 1);
  EXPECT_EQ(steps_of(fashion), (Steps{{0, 0.01}, {1, 0.001}}));
  EXPECT_EQ(fashion.training.pruning->start_epoch, 1);
  EXPECT_EQ(fashion.training.pruning->finish_epoch, 1);
}

}  // namespace
}  // namespace unas::run
