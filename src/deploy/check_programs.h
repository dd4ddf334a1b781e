#pragma once
// The small C programs that check an exported model: an evaluator for the host (int8 inputs
// from a file in, int8 outputs to a file out) and a check program that runs a few test inputs
// compiled into it and prints each output as hex, the same source on the host and on the
// target, so their printouts can be compared byte for byte.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace unas::deploy {

// The exported model's own sources in `dir` (model.c and the int8 runtime).
std::vector<std::filesystem::path> model_sources(const std::filesystem::path& dir);

// Writes eval_main.c into `work`; returns its path.
std::filesystem::path write_eval_main(const std::filesystem::path& work);

// Writes check_main.c and check_inputs.h (`inputs`: whole inputs of `input_bytes` each) into
// `work`; returns the sources to compile beside the model's.
std::vector<std::filesystem::path> write_check_main(const std::filesystem::path& work, const std::vector<std::int8_t>& inputs,
                                                    std::int64_t input_bytes);

// Writes two firmware mains that differ only in running the model once (model_probe.c) or not
// (empty_probe.c): the difference of their sizes is the model's own flash and static RAM, its
// code, constants and arena, without the C library and startup code around it. Returns them in
// that order.
std::vector<std::filesystem::path> write_size_probes(const std::filesystem::path& work);

// The hex output lines the check program printed; throws ExportError when there are none.
std::vector<std::string> parse_check_output(const std::string& text);

}  // namespace unas::deploy
