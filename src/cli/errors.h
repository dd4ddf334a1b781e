#pragma once
// Errors a user can fix (bad arguments, unreadable or invalid input). main() prints them as
// one line and exits with kExitBadInput; anything else exits with kExitFailure.
#include <stdexcept>

namespace unas::cli {

inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unas::cli
