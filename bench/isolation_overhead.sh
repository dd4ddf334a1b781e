#!/usr/bin/env bash
# What crash isolation costs and how it behaves (run by hand, ~15 min on this machine):
#   1. the overhead of a process per candidate (start-up, the experiment and candidate passed in,
#      the result passed back): simulated candidates of zero length, 2 trainer ranks,
#      [training] isolation = "process" against "none";
#   2. the same with real training (the local-scale Fashion-MNIST experiment, 1 epoch), where
#      each process also loads the data set;
#   3. both against the median training time of a local-scale candidate (the plain runs of the
#      search-efficiency benchmark, bench/results/search_efficiency/fashion_ae.local/runs/);
#   4. faults injected under mpirun -np 4 (crash 10 %, hang 5 % with a 2 s timeout, OOM 5 % under
#      a 1 GiB limit, 200 simulated candidates of 0.2 s): outcomes by reason, and how long a
#      hung candidate held its rank.
# A candidate's overhead is (finished_at - issued_at) - train_seconds: everything between rank 0
# sending it and receiving its result that is not training.
#   bash bench/isolation_overhead.sh     -> bench/results/isolation/{overhead.csv,faults.csv,summary.md}
set -euo pipefail
cd "$(dirname "$0")/.."
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
unas=${UNAS:-build/bin/unas}
out=bench/results/isolation
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
mkdir -p "$out"
mpi() { local ranks=$1; shift; mpirun -np "$ranks" --oversubscribe --bind-to none "$unas" "$@"; }

for isolation in process none; do
  echo "isolation_overhead: simulated, isolation = $isolation"
  mpi 3 run bench/simulated.toml --set search.rounds=200 --set simulate.mean_seconds=0 --set simulate.distribution=fixed \
    --set "training.isolation=\"$isolation\"" --set "run.results=\"$runs/simulated.$isolation.h5\"" >"$runs/simulated.$isolation.log" 2>&1
  echo "isolation_overhead: Fashion-MNIST, local scale, 1 epoch, isolation = $isolation"
  mpi 3 run experiments/fashion_ae.toml --scale local --set training.epochs=1 --set search.rounds=12 \
    --set "training.isolation=\"$isolation\"" --set "run.results=\"$runs/fashion.$isolation.h5\"" >"$runs/fashion.$isolation.log" 2>&1
done
echo "isolation_overhead: faults injected, mpirun -np 4"
mpi 4 run bench/simulated.toml --set search.rounds=200 --set simulate.mean_seconds=0.2 --set simulate.distribution=fixed \
  --set training.timeout_seconds=2 --set 'training.memory_limit="1GiB"' --set simulate.crash_rate=0.1 \
  --set simulate.hang_rate=0.05 --set simulate.oom_rate=0.05 --set "run.results=\"$runs/faults.h5\"" >"$runs/faults.log" 2>&1

/usr/bin/python3 - "$runs" "$out" <<'PY'
import sys, glob, collections, h5py, numpy as np
runs, out = sys.argv[1:]
def table(path):
    with h5py.File(path, "r") as f:
        return f["candidates"][:]
rows, lines = [], []
for kind in ("simulated", "fashion"):
    for isolation in ("process", "none"):
        c = table(f"{runs}/{kind}.{isolation}.h5")
        trained = c[c["outcome"] != b"failed"] if kind == "fashion" else c
        overhead = trained["finished_at"] - trained["issued_at"] - trained["train_seconds"]
        rows.append((kind, isolation, len(trained), np.median(overhead), np.percentile(overhead, 90)))
local = np.concatenate([table(p)["train_seconds"][table(p)["outcome"] == b"ok"]
                        for p in glob.glob("bench/results/search_efficiency/fashion_ae.local/runs/plain.seed*.h5")])
median_training = float(np.median(local))
with open(f"{out}/overhead.csv", "w") as f:
    f.write("workload,isolation,candidates,median_overhead_s,p90_overhead_s\n")
    for r in rows:
        f.write(f"{r[0]},{r[1]},{r[2]},{r[3]:.4f},{r[4]:.4f}\n")
by = {(r[0], r[1]): r for r in rows}
lines.append("| workload | candidates (process / none) | median overhead, process | none | cost of isolation | share of a local-scale candidate |")
lines.append("|---|---|---|---|---|---|")
for kind in ("simulated", "fashion"):
    p, n = by[(kind, "process")], by[(kind, "none")]
    extra = p[3] - n[3]
    lines.append(f"| {kind} | {p[2]} / {n[2]} | {p[3]:.3f} s | {n[3]:.3f} s | {extra:.3f} s | {100 * extra / median_training:.2f} % |")
lines.append(f"\nMedian training time of a local-scale Fashion-MNIST candidate (plain search-efficiency runs, {len(local)} "
             f"candidates): {median_training:.1f} s.\n")
c = table(f"{runs}/faults.h5")
reasons = collections.Counter(r.decode() or "ok" for r in c["failure"])
with open(f"{out}/faults.csv", "w") as f:
    f.write("reason,candidates\n")
    for reason, n in sorted(reasons.items()):
        f.write(f'"{reason}",{n}\n')
hung = c[np.char.startswith(c["failure"].astype(str), "timeout")]["train_seconds"]
ids = sorted(int(i) for i in c["id"])
lines.append(f"Fault injection, 200 rounds under mpirun -np 4: every id once: {ids == list(range(200))}; outcomes:\n")
lines += [f"- {reason}: {n}" for reason, n in sorted(reasons.items())]
if len(hung):
    lines.append(f"\nA hung candidate held its rank {hung.mean():.2f} s on average (max {hung.max():.2f} s) with "
                 "timeout_seconds = 2.")
text = "\n".join(lines) + "\n"
open(f"{out}/summary.md", "w").write(text)
print(text)
PY
