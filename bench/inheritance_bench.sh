#!/usr/bin/env bash
# Weight inheritance, measured on the real Fashion-MNIST at local scale (run by hand, ~1.5 h on
# 2 cores): the fraction of parameters inherited per morphism kind (200 pairs each, no training;
# Fashion-MNIST and Chars74K), then children trained from scratch on the full schedule against the
# same children inheriting their parent's weights for a quarter and half of it, 3 seeds each,
# with the CPU-seconds each took. Two processes, one core each. Results in bench/results/.
#   bash bench/inheritance_bench.sh [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-8}
bench=build/bin/inheritance_bench
out=bench/results
mkdir -p "$out"
for task in fashion chars74k; do
  "$bench" fractions "experiments/${task}_ae.toml" --scale local --pairs 200 >"$out/inheritance_fractions_${task}_local.csv"
done
for k in 0 1; do
  "$bench" quality experiments/fashion_ae.toml --scale local --pairs "$pairs" --seeds 3 --shard "$k/2" >"$out/inheritance_quality_shard$k.csv" &
done
wait
{ head -1 "$out/inheritance_quality_shard0.csv"; tail -q -n +2 "$out"/inheritance_quality_shard*.csv | sort -t, -k1,1n -k7,7n; } \
  >"$out/inheritance_quality_fashion_local.csv"
rm "$out"/inheritance_quality_shard*.csv
/usr/bin/python3 bench/inheritance_summary.py "$out/inheritance_quality_fashion_local.csv" | tee "$out/inheritance_quality_fashion_local.txt"
