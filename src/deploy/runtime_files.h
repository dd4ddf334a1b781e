#pragma once
// The C runtime that exported models need, compiled into unas (from src/deploy/runtime/ at build
// time), so an installed binary can write it out wherever a model is exported.
#include <string_view>
#include <vector>

namespace unas::deploy {

struct RuntimeFile {
  std::string_view path;  // relative to src/deploy/runtime: "unas_int8.c", "mps2/startup.c", ...
  std::string_view text;
};

const std::vector<RuntimeFile>& runtime_files();

}  // namespace unas::deploy
