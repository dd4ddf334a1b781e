#pragma once
#include <string>

#include "resources/layer_graph.h"

namespace unas::cli {

// Parses "HxWxC" (e.g. "48x48x3"); throws UsageError naming `option` otherwise.
resources::TensorShape parse_input_shape(const std::string& text, const std::string& option);

// Reads a whole file, or standard input for "-"; throws UsageError if it cannot.
std::string read_text(const std::string& path);

}  // namespace unas::cli
