#include "run/signals.h"

#include <atomic>
#include <csignal>

namespace unas::run {

namespace {
std::atomic<int> requested{0};
extern "C" void on_stop_signal(int signal) { requested.store(signal); }
}  // namespace

void install_stop_handlers() {
  for (int s : {SIGTERM, SIGUSR1, SIGINT}) std::signal(s, on_stop_signal);
}

bool stop_requested() { return requested.load() != 0; }
int stop_signal() { return requested.load(); }

}  // namespace unas::run
