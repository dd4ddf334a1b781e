#pragma once
// `unas export` for one model: calibrate, quantise, plan the arena, write the C sources, build
// them for the host and classify the whole test split, and (where the toolchain is installed)
// build them for an emulated Cortex-M, run a few test inputs there and check the outputs equal
// the host's bit for bit.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/weights.h"
#include "data/dataset.h"
#include "deploy/export_error.h"
#include "resources/layer_graph.h"

namespace unas::deploy {

struct ExportOptions {
  std::filesystem::path out_dir;
  std::int64_t calibration_inputs = 300;  // training inputs the activation ranges come from
  int check_inputs = 8;                   // test inputs run on both host and target
  bool run_target = true;                 // when arm-none-eabi-gcc and qemu-system-arm are there
  double target_timeout_seconds = 600;
  std::uint64_t seed = 0;                 // of the calibration draw
  std::string provenance;                 // one line for the sources' header comment
};

struct TargetReport {
  std::string board;  // what ran it
  // The model's own share of the firmware (its code, constants and arena, arm-none-eabi-size of
  // a firmware running it minus the same firmware without it), and the stack it used.
  std::int64_t model_flash = 0, model_static_ram = 0;
  std::int64_t stack_bytes = 0;  // high-water mark measured while the model ran
  std::int64_t firmware_text = 0, firmware_data = 0, firmware_bss = 0;  // the whole check firmware, C library included
  bool outputs_match = false;  // every output byte equal to the host build's
  double seconds = 0.0;        // qemu's wall time
  std::int64_t flash_bytes() const { return model_flash; }
  std::int64_t ram_bytes() const { return model_static_ram + stack_bytes; }
};

struct ExportReport {
  std::int64_t test_examples = 0;
  double float_accuracy = 0.0;
  double int8_accuracy = 0.0;
  double agreement = 0.0;  // of int8 with float predictions
  std::int64_t pmu = 0, model_size = 0;  // the resource model's figures for this graph
  std::int64_t arena_bytes = 0;
  std::int64_t weight_bytes = 0, bias_bytes = 0, multiplier_bytes = 0;
  std::optional<TargetReport> target;
  std::string target_skipped;  // why there is no target report

  std::int64_t parameter_bytes() const { return weight_bytes + bias_bytes + multiplier_bytes; }
};

// `weights` must fit `graph` (as the trainer stores them). Throws ExportError when a step fails
// (with the compiler's or emulator's words), QuantisationError for weights that do not fit.
ExportReport export_model(const resources::LayerGraph& graph, const Weights& weights, const data::Dataset& data,
                          const ExportOptions& options);

}  // namespace unas::deploy
