#pragma once
#include <stdexcept>

namespace unas::store {

// A results file that cannot be created, read or written; the message names the file.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unas::store
