#include "cli/input_shape.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "cli/errors.h"

namespace unas::cli {

resources::TensorShape parse_input_shape(const std::string& text, const std::string& option) {
  std::vector<int> dims;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p < end) {
    int value = 0;
    const auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || value < 1) break;
    dims.push_back(value);
    p = next;
    if (p < end && *p == 'x') ++p;
    else break;
  }
  if (p != end || dims.size() != 3)
    throw UsageError(fmt::format("{} \"{}\": expected HxWxC with positive integers, e.g. 48x48x3", option, text));
  return resources::TensorShape{dims[0], dims[1], dims[2]};
}

std::string read_text(const std::string& path) {
  std::ostringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace unas::cli
