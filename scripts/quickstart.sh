#!/usr/bin/env bash
# Quick-start command 1: installs dependencies, prepares the data, builds, and runs the main job:
# the Chars74K search with structured pruning (paper Fig. 3) at local scale (50 rounds of 12
# epochs on the Chars74K stand-in, experiments/scales/local.toml), through the cluster script
# slurm/chars74k_ae_prune.sh: submitted to a single-node Slurm cluster on this machine
# (scripts/local-slurm.sh) when one can be started, else run with plain bash (mpirun). A searcher
# and 2 trainers (UNAS_RANKS=3). Ends with analysis/make_report.py's tables and figures for what
# it found, and the path of the HDF5 results file. Run it again to resume an interrupted run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
[[ $# -eq 0 ]] || { echo "quickstart: takes no arguments (see --help)" >&2; exit 2; }

experiment=chars74k_ae_prune
script=slurm/$experiment.sh
results=results/$experiment.local.h5
report=results/report.local
ranks=${UNAS_RANKS:-3}

bash scripts/install-deps.sh
bash scripts/prepare-data.sh
bash scripts/build.sh
mkdir -p logs results

run_on_local_slurm() {
  eval "$(bash scripts/local-slurm.sh env)"
  local job log
  job=$(sbatch --parsable --ntasks-per-node="$ranks" "$script" --scale local | cut -d';' -f1)
  log=logs/$experiment-$job.out
  echo "quickstart: Slurm job $job (squeue; log $log); Ctrl-C stops following it, scancel $job stops the job"
  # Follow the log until the job has ended, then read its outcome from Slurm's record of it.
  until bash scripts/local-slurm.sh outcome "$job" >/dev/null && ! squeue -h -j "$job" 2>/dev/null | grep -q .; do
    sleep 2
  done &
  local waiter=$!
  touch "$log"
  tail -n +1 -F --pid="$waiter" "$log" 2>/dev/null || true
  wait "$waiter"
  local outcome
  outcome=$(bash scripts/local-slurm.sh outcome "$job")
  echo "quickstart: job $job ended: $outcome"
  [[ $outcome == "COMPLETED 0:0" ]]
}

if bash scripts/local-slurm.sh up; then
  run_on_local_slurm
else
  echo "quickstart: no local Slurm cluster (see above): running $script with plain bash"
  UNAS_RANKS=$ranks bash "$script" --scale local
fi

echo
build/bin/unas inspect "$results"
/usr/bin/python3 analysis/make_report.py "$results" --out "$report"
echo
# The Chars74K rows of Table 2: the models found beside the paper's.
awk -F'|' 'NR <= 2 || $2 ~ /Chars74K *$/' "$report/table2.md"
echo
echo "results: $results (h5py reads it; build/bin/unas inspect $results)"
echo "report:  $report/report.md (tables, fronts.csv, candidates.csv, figures: fig3_chars74k.png, hypervolume.png)"
