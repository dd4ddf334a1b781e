#pragma once
// Writes an int8 model as self-contained C99: model.h (sizes, quantisation of input and output,
// `unas_model_invoke`), model.c (every parameter a `const` array, so it stays in flash; one static
// arena; the operators in the planned order, each tensor at its planned offset) and the int8
// runtime (unas_int8.h/.c) it calls. The same files build for a host and for a Cortex-M.
#include <filesystem>
#include <string>

#include "deploy/quantised_model.h"
#include "resources/arena_plan.h"

namespace unas::deploy {

// Writes model.h, model.c, unas_int8.h and unas_int8.c into `dir` (created if missing);
// `provenance` goes into their header comment. Throws ExportError when a file cannot be written.
void write_model_sources(const QuantisedModel& model, const resources::ArenaPlan& plan, const std::filesystem::path& dir,
                         const std::string& provenance);

// Writes the emulated board's startup code, linker script and stack probe into `dir`/mps2.
void write_target_runtime(const std::filesystem::path& dir);

}  // namespace unas::deploy
