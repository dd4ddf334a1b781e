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
#
# Runs go to results/search_efficiency/<experiment>/ (kept out of git: they hold every model's
# weights); a run with its .done marker is skipped, so the script resumes where it was stopped.
# The CSVs, table and plot go to bench/results/search_efficiency/<experiment>/.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30 seeds="0 1 2" experiment=fashion_ae variants="plain inherit stop both" retrain_seeds=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --experiment) experiment=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --retrain-seeds) retrain_seeds=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "search_efficiency: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# Early-stopping rungs of the full schedule in the experiment's own epochs; epoch_scale moves
# them with the local scale (Fashion-MNIST: 45 epochs, rungs 5 and 15, at local 9 epochs: 1, 3).
rungs="search.early_stopping.rungs=[5,15]"
variant_sets() {
  case $1 in
    plain) ;;
    inherit) echo "--set search.inherit_weights=true" ;;
    stop) echo "--set $rungs" ;;
    both) echo "--set search.inherit_weights=true --set $rungs" ;;
    *) echo "search_efficiency: unknown variant $1" >&2; exit 2 ;;
  esac
}

unas=${UNAS:-build/bin/unas}
runs=results/search_efficiency/$experiment
out=bench/results/search_efficiency/$experiment
mkdir -p "$runs" "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun -np 3 --oversubscribe --bind-to none "$unas")

for seed in $seeds; do
  for variant in $variants; do
    file=$runs/$variant.seed$seed.h5
    [[ ! -e $file.done ]] || { echo "search_efficiency: $file done before"; continue; }
    args=(run "experiments/$experiment.toml" --scale local --set "seed=$seed" --set search.rounds=100000
          --set "run.results=\"$file\"" --set run.grace_seconds=0)
    echo "search_efficiency: $variant, seed $seed, $minutes min -> $file ($(date -u +%H:%M))"
    set -f
    # SIGUSR1 stops the search as a time limit would: what finished is recorded, exit 3.
    timeout --signal=USR1 --kill-after=60 "${minutes}m" "${mpi[@]}" "${args[@]}" $(variant_sets "$variant") \
      >"$file.log" 2>&1 || true
    set +f
    "${mpi[@]}" retrain "$file" --seeds "$retrain_seeds" >>"$file.log" 2>&1
    touch "$file.done"
  done
done
/usr/bin/python3 bench/search_efficiency.py --runs "$runs" --out "$out" --budget-hours common | tee "$out/summary.md"
