#include "cli/run_command.h"

#define OMPI_SKIP_MPICXX 1
#include <fmt/format.h>
#include <mpi.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <iostream>
#include <memory>

#include "cli/errors.h"
#include "common/byte_size.h"
#include "run/master.h"
#include "run/retrainer.h"
#include "run/signals.h"
#include "run/trainer_process.h"
#include "store/results_file.h"

namespace unas::cli {

namespace {

struct RunOptions {
  std::string file;
  std::vector<std::string> sets;
  std::string scale;
  bool resume = false;
  bool results_only = false;  // check: print only where results go
};

// Every rank gets the experiment: `load` runs on each (rank 0 may read files the others need not
// see, and checks the environment), and a failure on rank 0 stops all of them cleanly; only
// rank 0 says why.
using Loader = std::function<run::ExperimentConfig(int rank)>;
using Master = std::function<int(const run::ExperimentConfig&, run::WorkerPool&, int mpi_size)>;

std::optional<run::ExperimentConfig> load_everywhere(const Loader& load, int rank) {
  std::optional<run::ExperimentConfig> config;
  std::string error;
  try {
    config = load(rank);
  } catch (const run::ConfigError& e) {
    error = e.what();
  } catch (const store::StoreError& e) {
    error = e.what();
  }
  int ok = error.empty() ? 1 : 0;
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!ok && rank == 0) std::cerr << "unas: error: " << error << "\n";
  return ok ? config : std::nullopt;
}

// How trainer ranks run candidates, for the log.
std::string isolation_text(const run::ExperimentConfig& c) {
  if (!c.isolate_trainers) return "each trains its candidates in itself ([training] isolation = \"none\")";
  std::string limits;
  if (c.timeout_seconds) limits += fmt::format(", killed after {:g} s", *c.timeout_seconds);
  if (c.memory_limit_bytes) limits += fmt::format(", at most {} of memory", byte_size_text(*c.memory_limit_bytes));
  return "each trains every candidate in a process of its own" + limits;
}

// Said once per node, by its first trainer: how its trainers share its devices.
void log_placement(const run::Placement& p, int trainers_per_gpu) {
  if (p.node_index != 0) return;
  const char* plural = p.node_trainers == 1 ? "" : "s";
  if (p.gpus == 0) {
    spdlog::info("{}: {} trainer{} on the CPU{}", p.host, p.node_trainers, plural,
                 trainers_per_gpu > 1 ? fmt::format(" (no GPU: [run] trainers_per_gpu = {} changes nothing)", trainers_per_gpu) : "");
    return;
  }
  spdlog::info("{}: {} trainer{} round-robin on {} GPU{}", p.host, p.node_trainers, plural, p.gpus, p.gpus == 1 ? "" : "s");
  if (const std::string warning = run::placement_warning(p.node_trainers, p.gpus, trainers_per_gpu); !warning.empty())
    spdlog::warn("{}: {}", p.host, warning);
}

// The shape of every MPI subcommand: rank 0 runs `master` over the other ranks (or, alone, over
// an in-process trainer); ranks 1..N-1 train what it sends until it says stop.
int run_under_mpi(const Loader& load, const Master& master) {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  spdlog::set_pattern(fmt::format("[%Y-%m-%d %H:%M:%S] [rank {}] [%^%l%$] %v", rank));
  run::install_stop_handlers();

  const auto config = load_everywhere(load, rank);
  if (!config) {
    MPI_Finalize();
    return kExitBadInput;
  }
  const run::Placement placement = run::place_rank(*config, rank, size);
  log_placement(placement, config->trainers_per_gpu);
  int code = 0;
  if (rank > 0) {
    run::run_worker(*config, rank, placement);
  } else {
    std::unique_ptr<run::WorkerPool> pool;
    if (size == 1) {
      // One process trains in itself: nothing to isolate a candidate's crash from.
      if (config->faults.any()) {
        std::cerr << "unas: error: [simulate] faults need trainer ranks to inject them into: "
                     "run under mpirun -np 2 or more\n";
        MPI_Finalize();
        return kExitBadInput;
      }
      if (config->timeout_seconds || config->memory_limit_bytes)
        spdlog::warn("one process, no trainer ranks: [training] timeout_seconds and memory_limit apply to "
                     "trainer ranks only");
      pool = std::make_unique<run::InProcessPool>(*config, placement);
    } else {
      pool = run::make_mpi_pool(size);
      spdlog::info("{} trainer ranks; {}", size - 1, isolation_text(*config));
    }
    try {
      code = master(*config, *pool, size);
    } catch (const run::ConfigError& e) {
      std::cerr << "unas: error: " << e.what() << "\n";
      code = kExitBadInput;
    } catch (const std::exception& e) {
      std::cerr << "unas: error: " << e.what() << "\n";
      code = kExitFailure;
    }
    // Trainers still busy (a stop signal, an error) cannot be told to stop: end the whole job.
    if (size > 1 && (code != 0 || pool->busy() > 0)) MPI_Abort(MPI_COMM_WORLD, code);
  }
  MPI_Finalize();
  return code;
}

int run_experiment(const RunOptions& o) {
  return run_under_mpi(
      [&](int rank) {
        run::ExperimentConfig config = run::load_experiment(o.file, o.sets, o.scale);
        if (rank == 0) run::check_environment(config);
        return config;
      },
      [&](const run::ExperimentConfig& config, run::WorkerPool& pool, int size) {
        return run::run_master(config, pool, run::MasterOptions{o.resume, size});
      });
}

// The experiment stored in a results file, sent from rank 0 (which reads the file) to the others.
run::ExperimentConfig stored_experiment(const std::string& path, int rank) {
  std::string text, name;
  if (rank == 0) {
    const store::ResultsContents c = store::ResultsFile::read(path);
    text = c.info.experiment_toml;
    name = c.info.experiment_name;
  }
  for (std::string* s : {&text, &name}) {
    auto size = static_cast<unsigned long long>(s->size());
    MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    s->resize(size);
    MPI_Bcast(s->data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
  }
  run::ExperimentConfig config = run::load_resolved_experiment(text, path, name);
  config.results = path;
  if (rank == 0) run::check_environment(config);
  return config;
}

// `unas retrain FILE --complete`, for scripts: exit 0 when every run is recorded, else say how
// many are and exit 1.
int check_retrained(const std::string& path, const run::RetrainOptions& options) {
  try {
    const store::ResultsContents c = store::ResultsFile::read(path);
    const run::ExperimentConfig config = run::load_resolved_experiment(c.info.experiment_toml, path, c.info.experiment_name);
    const run::RetrainPlan plan = run::plan_retrain(c, config.search.bounds, options);
    if (plan.left == 0) return 0;
    std::cerr << fmt::format("{}: {} of {} retraining runs recorded\n", path, plan.runs - plan.left, plan.runs);
    return kExitFailure;
  } catch (const run::ConfigError& e) {
    throw UsageError(e.what());
  } catch (const store::StoreError& e) {
    throw UsageError(e.what());
  }
}

int retrain(const std::string& path, const run::RetrainOptions& options, bool complete) {
  if (complete) return check_retrained(path, options);
  return run_under_mpi([&](int rank) { return stored_experiment(path, rank); },
                       [&](const run::ExperimentConfig& config, run::WorkerPool& pool, int) {
                         return run::run_retrain(config, pool, options);
                       });
}

void check_experiment(const RunOptions& o) {
  try {
    const run::ExperimentConfig c = run::load_experiment(o.file, o.sets, o.scale);
    run::check_environment(c);
    if (o.results_only) {
      std::cout << c.results.string() << "\n";
      return;
    }
    std::cout << c.resolved_toml << "\n";
    const std::string inheritance = c.inherit_weights ? fmt::format("children inherit weights and train {} epochs",
                                                                     c.inherited_training.epochs)
                                                      : "no weight inheritance";
    std::cerr << fmt::format("{}: ok ({}{} rounds of {}, {} epochs, {}, results in {})\n", o.file,
                             c.scale.empty() ? "" : "scale " + c.scale + ": ", c.search.rounds, c.search.algorithm,
                             c.training.epochs, inheritance, c.results.string());
  } catch (const run::ConfigError& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

void register_run_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  const auto add_experiment = [o](CLI::App* cmd) {
    cmd->add_option("experiment", o->file, "Experiment TOML file (experiments/*.toml)")->required();
    cmd->add_option("--scale", o->scale,
                    "Run at another scale: NAME of experiments/scales/NAME.toml (local, smoke) or an overlay file; "
                    "results go to results/<name>.<scale>.h5");
    cmd->add_option("--set", o->sets, "Override a setting, e.g. --set search.rounds=50 (repeatable; after --scale)");
    cmd->fallthrough();
  };
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run an experiment: rank 0 searches, ranks 1..N-1 train (mpirun -np N unas run x.toml); resumes from the "
             "results file when it exists. Exit 0: done; 2: bad input; 3: stopped by SIGTERM/SIGUSR1 (requeue)");
  add_experiment(run_cmd);
  run_cmd->add_flag("--resume", o->resume, "Insist on resuming: fail if the results file does not exist");
  run_cmd->callback([o, &exit_code] { exit_code = run_experiment(*o); });

  CLI::App* check_cmd = app.add_subcommand("check", "Check an experiment file (and that its data set is there); print it resolved");
  add_experiment(check_cmd);
  check_cmd->add_flag("--results", o->results_only, "Print only the path of the results file (for scripts)");
  check_cmd->callback([o] { check_experiment(*o); });

  auto path = std::make_shared<std::string>();
  auto complete = std::make_shared<bool>(false);
  auto retrain_path = std::make_shared<std::string>();
  auto retrain_options = std::make_shared<run::RetrainOptions>();
  CLI::App* retrain_cmd = app.add_subcommand(
      "retrain", "Retrain the models a search found from scratch, on the experiment's full schedule with K seeds, and "
                 "append them to the results file's /retrained table (mpirun -np N unas retrain results/x.h5: ranks "
                 "1..N-1 train); resumes what a killed retrain left. Exit 0: done; 2: bad input; 3: stopped by a signal");
  retrain_cmd->add_option("results", *retrain_path, "results/NAME.h5 of a search")->required();
  retrain_cmd->add_option("--seeds", retrain_options->seeds, "Seeds per model")->check(CLI::Range(1, 1000))->capture_default_str();
  retrain_cmd->add_option("--top", retrain_options->top,
                          "Models to retrain when none is within the bounds: those nearest to them, and the most "
                          "accurate (else: the within-bounds Pareto front)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  retrain_cmd->add_option("--ids", retrain_options->ids, "Retrain these candidates instead (comma-separated ids)")
      ->delimiter(',');
  auto retrain_complete = std::make_shared<bool>(false);
  retrain_cmd->add_flag("--complete", *retrain_complete,
                        "Train nothing: exit 0 when every run of these models and seeds is recorded, else exit 1 (for scripts)");
  retrain_cmd->fallthrough();
  retrain_cmd->callback([retrain_path, retrain_options, retrain_complete, &exit_code] {
    exit_code = retrain(*retrain_path, *retrain_options, *retrain_complete);
  });

  // Hidden: what a trainer rank starts for each candidate (run/trainer_process.h).
  auto parent = std::make_shared<pid_t>(0);
  CLI::App* child_cmd = app.add_subcommand("train-candidate", "Train one candidate sent on stdin, for a trainer rank");
  child_cmd->group("");
  child_cmd->add_option("--parent", *parent, "The trainer rank's process id")->required();
  child_cmd->callback([parent, &exit_code] { exit_code = run::train_candidate_in_child(*parent); });
}

}  // namespace unas::cli
