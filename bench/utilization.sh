#!/usr/bin/env bash
# Worker utilisation of `unas run` with simulated trainers (bench/simulated.toml: exponential
# durations, mean 2 s), oversubscribed on this machine. For each rank count: rounds/s, and the
# share of trainer time spent evaluating over two windows (start-up excluded from both):
#   whole:  first proposal to last result, including the final drain, when trainers that are
#           done wait for the slowest (a property of the run's length, not of the orchestrator);
#   steady: first proposal to last proposal, while there is always work to hand out.
# A trainer is busy from (finished_at - train_seconds) to finished_at.
#   bash bench/utilization.sh [RANKS...]        (default: 8 64 256; after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf "%6s %8s %10s %10s %12s %12s\n" ranks rounds "window s" "rounds/s" "util whole" "util steady"
for n in "${@:-8 64 256}"; do
  for ranks in $n; do
    rounds=$(( (ranks - 1) * 12 ))   # ~12 evaluations per trainer
    mpirun -np "$ranks" --oversubscribe --bind-to none build/bin/unas --log-level warn run bench/simulated.toml \
      --set search.rounds=$rounds --set run.results="$out/$ranks.h5" >"$out/$ranks.log" 2>&1
    /usr/bin/python3 - "$out/$ranks.h5" "$ranks" "$rounds" <<'PY'
import sys, h5py, numpy as np
c = h5py.File(sys.argv[1], "r")["candidates"]
trainers = int(sys.argv[2]) - 1
end, seconds = c["finished_at"][:], c["train_seconds"][:]
start = end - seconds
t0 = c["issued_at"].min()
def utilisation(t1):
    busy = np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0, None).sum()
    return busy / (trainers * (t1 - t0))
window = end.max() - t0
print(f"{sys.argv[2]:>6} {sys.argv[3]:>8} {window:10.1f} {len(c) / window:10.2f} {utilisation(end.max()):12.3f} "
      f"{utilisation(c['issued_at'].max()):12.3f}")
PY
  done
done
