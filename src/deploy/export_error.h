#pragma once
#include <stdexcept>

namespace unas::deploy {

// A step of exporting a model failed: a file could not be written, a compiler or the emulator
// refused or crashed. The message carries their words.
class ExportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unas::deploy
