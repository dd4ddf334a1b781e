#!/usr/bin/env bash
# Trainers per device: how much training one device does when N trainers share it. For each
# reference candidate (bench/reference_candidates.json: 5.5 KB, 40 KB and 62 KB of int8 weights;
# synthetic 48x48x3 data, 62 classes, batch 80) and each N, N train_bench processes train it at
# once on the device (one thread each, started together after their set-up); it prints their
# summed samples/s, the median step time (ms per batch), and the knee: the smallest N within 10 %
# of the best total. On a GPU, with and without CUDA MPS when nvidia-cuda-mps-control is there.
#
#   bash bench/device_packing.sh [--device cpu|cuda] [--counts "1 2"] [--samples "40000 8000 4000"]
#                                [--bench build/bin/train_bench] [--out FILE.csv]
#
# --samples: per candidate, what each process trains (one epoch): enough for several seconds on one
# core here, since a short run measures its warm-up (a process that waited for the others starts
# cold: ~25 % slower over 0.5 s). On a GPU, give more.
# Defaults: the CPU with counts 1 and 2 (one trainer per core of this 2-core machine); --device
# cuda defaults to counts 1 2 4 8 16 32. The CSV (device, mps, candidate, processes,
# samples_per_s, step_ms) goes to --out (default bench/results/device_packing/<device>.csv).
set -euo pipefail
cd "$(dirname "$0")/.."

device=cpu counts="" samples="40000 8000 4000" bench=build/bin/train_bench out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --device) device=$2; shift 2 ;;
    --counts) counts=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "device_packing: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $device == cpu || $device == cuda ]] || { echo "device_packing: --device cpu or cuda, not $device" >&2; exit 2; }
[[ -x $bench ]] || { echo "device_packing: $bench not found: build it first (bash scripts/build.sh)" >&2; exit 2; }
[[ -n $counts ]] || counts=$([[ $device == cpu ]] && echo "1 2" || echo "1 2 4 8 16 32")
out=${out:-bench/results/device_packing/$device.csv}
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
read -r -a samples_of <<<"$samples"
candidates=$(grep -c '"conv_blocks"' bench/reference_candidates.json)
((${#samples_of[@]} == candidates)) || { echo "device_packing: --samples needs $candidates counts, one per candidate" >&2; exit 2; }

# N processes of one candidate, released together at the same moment (--start-at) once each has
# set up; prints "samples_per_s step_ms": the sum over processes, the median step.
pack() {
  local candidate=$1 n=$2 start pids=()
  start=$(($(date +%s) + 5 + n / 2))  # time for every process to load torch (and a CUDA context)
  for k in $(seq "$n"); do
    "$bench" bench/reference_candidates.json --candidate "$candidate" --device "$device" --samples "${samples_of[candidate]}" \
      --start-at "$start" >"$work/$k.out" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  local total step
  total=$(awk '{t += $3} END {printf "%.0f", t}' "$work"/*.out)
  step=$(awk '{print $5}' "$work"/*.out | sort -g | awk '{v[NR] = $1} END {printf "%.2f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2}')
  echo "$total $step"
  rm -f "$work"/*.out
}

modes=(off)
[[ $device == cuda ]] && command -v nvidia-cuda-mps-control >/dev/null && modes+=(on)
echo "device,mps,candidate,processes,samples_per_s,step_ms" >"$out"
for mps in "${modes[@]}"; do
  if [[ $mps == on ]]; then
    export CUDA_MPS_PIPE_DIRECTORY=$work/mps-pipe CUDA_MPS_LOG_DIRECTORY=$work/mps-log
    mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
    nvidia-cuda-mps-control -d
  fi
  for candidate in $(seq 0 $((candidates - 1))); do
    printf "%s, MPS %s, candidate %d:" "$device" "$mps" "$candidate"
    for n in $counts; do
      read -r total step < <(pack "$candidate" "$n")
      echo "$device,$mps,$candidate,$n,$total,$step" >>"$out"
      printf "  N=%d %s samples/s (%s ms/step)" "$n" "$total" "$step"
    done
    # The knee: the smallest N whose total is within 10 % of the best.
    awk -F, -v d="$device" -v m="$mps" -v c="$candidate" '$1 == d && $2 == m && $3 == c {
        n[++k] = $4; s[k] = $5; if ($5 > best) best = $5 }
      END { for (i = 1; i <= k; i++) if (s[i] >= 0.9 * best) { printf "  | knee N=%d\n", n[i]; exit } }' "$out"
  done
  [[ $mps == on ]] && echo quit | nvidia-cuda-mps-control
done
echo "device_packing: $out"
