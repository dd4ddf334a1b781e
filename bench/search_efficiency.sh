#!/usr/bin/env bash
# Search efficiency at equal compute (run by hand, hours): the same experiment searched four ways,
# plain aging evolution, + weight inheritance, + early stopping (successive halving), + both, for
# seeds 0 1 2, each run given the same wall-clock budget on this machine (a searcher and 2
# trainers, so ~2x that in trainer CPU time), then its final front retrained from scratch
# (`unas retrain`). bench/search_efficiency.py then draws hypervolume against cumulative trainer
# CPU-seconds, cut at the compute every run reached, and the compute each variant needs to reach
# plain aging evolution's final hypervolume.
#
#   bash bench/search_efficiency.sh [--minutes 30] [--seeds "0 1 2"] [--experiment fashion_ae]
#                                   [--variants "plain inherit stop both"] [--retrain-seeds 1]
#                                   [--scale local] [--rungs "[5, 15]"] [--relax-bounds 2]
#
# Runs go to results/search_efficiency/<experiment>.<scale>/ (kept out of git: they hold every model's
# weights). A finished run (search and retrain) is copied without its weights (bench/without_weights.py,
# a few kB) into bench/results/search_efficiency/<experiment>.<scale>/runs/ with its log, to be
# committed; a run already there is skipped, so the benchmark resumes where it was stopped, also in
# a later session on a fresh machine. That folder's `budget` file holds the settings its runs were
# made with, and a call with other settings is refused: every run of a benchmark gets the same.
# The CSVs, table and plot go to bench/results/search_efficiency/<experiment>.<scale>/, with the
# experiment's bounds; the same analysis with every bound relaxed (default: doubled, chosen before
# any run) goes to its bounds_x<F>/ folder: a short search at local scale may find nothing within
# the paper's bounds, and then every hypervolume there is 0.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30 seeds="0 1 2" experiment=fashion_ae variants="plain inherit stop both" retrain_seeds=1 scale=local
rungs="[5, 15]" relax=2
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --experiment) experiment=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --retrain-seeds) retrain_seeds=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --rungs) rungs=$2; shift 2 ;;
    --relax-bounds) relax=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "search_efficiency: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# Each variant is an experiment file of its own that extends the chosen one, so its early-stopping
# rungs are in the experiment's own epochs and move with --scale as the schedule does (Fashion-MNIST:
# 45 epochs, rungs 5 and 15; at local scale 9 epochs, rungs 1 and 3). A --set would come after
# the scale and would have to be written in scaled epochs.
write_variant() {
  local file=$runs/$1.toml
  printf 'extends = "%s"\n' "$PWD/experiments/$experiment.toml" >"$file"
  case $1 in
    plain) ;;
    inherit) printf '[search]\ninherit_weights = true\n' >>"$file" ;;
    stop) printf '[search.early_stopping]\nrungs = %s\n' "$rungs" >>"$file" ;;
    both) printf '[search]\ninherit_weights = true\n[search.early_stopping]\nrungs = %s\n' "$rungs" >>"$file" ;;
  esac
  echo "$file"
}
for variant in $variants; do
  [[ $variant =~ ^(plain|inherit|stop|both)$ ]] || { echo "search_efficiency: unknown variant $variant" >&2; exit 2; }
done

unas=${UNAS:-build/bin/unas}
runs=results/search_efficiency/$experiment.$scale
out=bench/results/search_efficiency/$experiment.$scale
kept=$out/runs
mkdir -p "$runs" "$kept"
budget="minutes=$minutes rungs=$rungs retrain_seeds=$retrain_seeds"
if [[ -f $kept/budget ]]; then
  [[ $(<"$kept/budget") == "$budget" ]] || {
    echo "search_efficiency: $kept holds runs made with $(<"$kept/budget"), not $budget" >&2; exit 2; }
else
  echo "$budget" >"$kept/budget"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun -np 3 --oversubscribe --bind-to none "$unas")

for seed in $seeds; do
  for variant in $variants; do
    file=$runs/$variant.seed$seed.h5
    [[ ! -e $kept/${file##*/} ]] || { echo "search_efficiency: $kept/${file##*/} done before"; continue; }
    rm -f "$file"  # a run cut off before it finished starts again: its budget is wall-clock time
    args=(run "$(write_variant "$variant")" --scale "$scale" --set "seed=$seed" --set search.rounds=100000
          --set "run.results=\"$file\"" --set run.grace_seconds=0)
    echo "search_efficiency: $variant, seed $seed, $minutes min -> $file ($(date -u +%H:%M))"
    # SIGUSR1 stops the search as a time limit would: what finished is recorded, exit 3.
    timeout --signal=USR1 --kill-after=60 "${minutes}m" "${mpi[@]}" "${args[@]}" \
      >"$file.log" 2>&1 || true
    "${mpi[@]}" retrain "$file" --seeds "$retrain_seeds" >>"$file.log" 2>&1
    cp "$file.log" "$kept/"
    /usr/bin/python3 bench/without_weights.py "$file" "$kept/${file##*/}"
  done
done
seed_list=$(echo $seeds | tr ' ' ,)
/usr/bin/python3 bench/search_efficiency.py --runs "$kept" --out "$out" --budget-hours common --seeds "$seed_list" \
  | tee "$out/summary.md"
relaxed=$out/bounds_x$relax
mkdir -p "$relaxed"
/usr/bin/python3 bench/search_efficiency.py --runs "$kept" --out "$relaxed" --budget-hours common --seeds "$seed_list" \
  --relax-bounds "$relax" | tee "$relaxed/summary.md"
