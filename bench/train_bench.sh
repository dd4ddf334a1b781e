#!/usr/bin/env bash
# Training throughput of the three reference candidates (bench/reference_candidates.json:
# 5.5 KB, 40 KB and 62 KB of int8 weights; 48x48x3, 62 classes, batch 80) at 1 and 2 threads:
# unas as it runs by default, unas with each speed lever changed, and PyTorch-Python.
# Prints the median samples/s of REPEATS runs.
#   bash bench/train_bench.sh [SAMPLES] [REPEATS]    (from the repository, after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-4000}
repeats=${2:-3}
bench=build/bin/train_bench
graphs=$(mktemp)
trap 'rm -f "$graphs"' EXIT
$bench bench/reference_candidates.json --samples 80 --graph-json "$graphs" >/dev/null
reference_blas=/usr/lib/x86_64-linux-gnu/blas   # Debian's reference libblas.so.3

# Runs a command REPEATS times; prints the median samples/s of each candidate.
median() {
  local runs
  runs=$(for _ in $(seq "$repeats"); do "$@" | awk '{print NR, $3}'; done)
  for c in $(echo "$runs" | cut -d' ' -f1 | sort -un); do
    echo "$runs" | awk -v c="$c" '$1 == c {print $2}' | sort -n | awk '{v[NR] = $1} END {printf " %8s", v[int((NR + 1) / 2)]}'
  done
}
# Two 1-thread processes side by side, the way unas uses two cores (one rank per core): the
# sum of their samples/s.
pair() {
  local a b
  a=$(mktemp) b=$(mktemp)
  "$@" >"$a" & "$@" >"$b"; wait
  paste "$a" "$b" | awk '{print "candidate", NR":", $3 + $9, "samples/s"}'  # each line: candidate K: S samples/s, T ms/step
  rm -f "$a" "$b"
}
row() { printf "%-8s %-36s" "$1" "$2"; shift 2; median "$@"; echo; }
printf "%-8s %-36s %8s %8s %8s   (samples/s, median of %s)\n" threads variant tiny medium 64KB "$repeats"
for t in 1 2; do
  row $t "unas (default: auto memory format)" $bench bench/reference_candidates.json --threads $t --samples $samples
  row $t "unas, glibc malloc defaults" $bench bench/reference_candidates.json --threads $t --samples $samples --no-malloc-tuning
  row $t "unas, channels_last everywhere" $bench bench/reference_candidates.json --threads $t --samples $samples --memory-format channels_last
  row $t "unas, NCHW everywhere" $bench bench/reference_candidates.json --threads $t --samples $samples --memory-format nchw
  row $t "unas, reference BLAS" env LD_LIBRARY_PATH=$reference_blas $bench bench/reference_candidates.json --threads $t --samples $samples
  row $t "PyTorch-Python" /usr/bin/python3 bench/train_bench.py "$graphs" --threads $t --samples $samples
done
row 2x1 "unas, two 1-thread processes (sum)" pair $bench bench/reference_candidates.json --threads 1 --samples $samples
