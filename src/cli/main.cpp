// unas: constrained neural architecture search for microcontrollers.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "arch/architecture.h"
#include "cli/arch_command.h"
#include "cli/data_command.h"
#include "cli/export_command.h"
#include "cli/inspect_command.h"
#include "cli/run_command.h"
#include "cli/train_command.h"
#include "cli/errors.h"
#include "common/version.h"
#include "resources/build_layer_graph.h"
#include "resources/peak_memory.h"
#include "data/dataset.h"
#include "deploy/quantised_model.h"
#include "train/device.h"

namespace {

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("unas");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

int fail(int code, const std::string& message) {
  std::cerr << "unas: error: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"unas: constrained neural architecture search for microcontrollers (a µNAS reimplementation)"};
  app.set_version_flag("--version", std::string("unas ") + unas::kVersion);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "Logging threshold")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.require_subcommand(1);
  app.parse_complete_callback([&] { configure_logging(log_level); });
  unas::cli::register_arch_command(app);
  unas::cli::register_data_command(app);
  unas::cli::register_train_command(app);
  int exit_code = 0;
  unas::cli::register_run_commands(app, exit_code);
  unas::cli::register_inspect_command(app, exit_code);
  unas::cli::register_export_command(app, exit_code);
  unas::train::tune_allocator_for_training();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(unas::cli::kExitBadInput, std::string(e.what()) + " (see --help)");
  } catch (const unas::cli::UsageError& e) {
    return fail(unas::cli::kExitBadInput, e.what());
  } catch (const unas::arch::ArchitectureError& e) {
    return fail(unas::cli::kExitBadInput, e.what());
  } catch (const unas::resources::GraphError& e) {
    return fail(unas::cli::kExitBadInput, e.what());
  } catch (const unas::data::DataError& e) {
    return fail(unas::cli::kExitBadInput, e.what());
  } catch (const unas::deploy::QuantisationError& e) {
    return fail(unas::cli::kExitBadInput, e.what());
  } catch (const std::exception& e) {
    return fail(unas::cli::kExitFailure, e.what());
  }
  return exit_code;
}
