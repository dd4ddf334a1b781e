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
  std::string error_of(const fs::path& file, const std::vector<std::string>& sets = {}) {
    try {
      load_experiment(file, sets);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
};

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
  EXPECT_GE(count, 15);

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
