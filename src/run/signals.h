#pragma once
// SIGTERM, SIGUSR1 (Slurm's warning before the time limit or preemption) and SIGINT ask the run
// to stop: no new candidates, record what finishes, exit with kExitRequeue.
namespace unas::run {

inline constexpr int kExitRequeue = 3;

void install_stop_handlers();
bool stop_requested();
int stop_signal();  // the signal that asked, or 0

}  // namespace unas::run
