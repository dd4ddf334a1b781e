#pragma once
// When and where, as the results file records them: Unix seconds (UTC, comparable across the
// nodes of a job, whose clocks a cluster keeps in step) and this machine's host name.
#include <unistd.h>

#include <chrono>
#include <string>

namespace unas {

inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace unas
