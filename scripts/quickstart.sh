#!/usr/bin/env bash
# Quick-start command 1: installs dependencies, builds, prepares the data, and runs the main job.
# Until the search orchestrator lands, the main job is the foundation end to end on the Chars74K
# task (48x48x3, 62 classes): resource figures of 100 random architectures, one morphism each,
# and a short training run with structured pruning on the Chars74K stand-in. Results go to
# results/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/prepare-data.sh
out=results/quickstart
mkdir -p "$out"
unas=./build/bin/unas
$unas arch random --count 100 --seed 1 --input 48x48x3 --classes 62 >"$out/architectures.json"
$unas arch stats "$out/architectures.json" --input 48x48x3 --classes 62 >"$out/resources.json"
$unas arch morph "$out/architectures.json" --seed 1 --log-level warn >"$out/children.json"
/usr/bin/python3 - "$out/resources.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
within = [r for r in rows if r["pmu"] <= 10000 and r["model_size"] <= 20000 and r["macs"] <= 1_000_000]
print(f"{len(rows)} random architectures: peak memory {min(r['pmu'] for r in rows)}..{max(r['pmu'] for r in rows)} B, "
      f"model size {min(r['model_size'] for r in rows)}..{max(r['model_size'] for r in rows)} B; "
      f"{len(within)} within the Chars74K bounds (PMU 10 000 B, MS 20 000 B, 1 M MACs)")
PY
# The medium reference candidate without batch norm (Keras-style batch-norm statistics need more
# than a few epochs to settle), 10 epochs with structured pruning in epochs 6-9; the paper
# trains Chars74K candidates for 60.
/usr/bin/python3 -c "import json; print(json.dumps(json.load(open('bench/reference_candidates.json'))[1]).replace('\"has_bn\": true', '\"has_bn\": false'))" >"$out/trained.json"
$unas train "$out/trained.json" --dataset chars74k --path data/chars74k-standin --epochs 10 --batch 80 \
  --optimizer adamw --lr 0:0.001,8:0.0005 --dropout 0.15 --prune structured --sparsity 0.3 --prune-epochs 6:9 \
  >"$out/training.json"
/usr/bin/python3 - "$out/training.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))[0]
if "failed" in r:
    sys.exit(f"training failed: {r['failed']}")
p = r["pruned"]
print(f"trained on the Chars74K stand-in: validation error {r['val_error']:.3f}, test error {r['test_error']:.3f}, "
      f"{r['samples_per_second']:.0f} samples/s; pruned to {p['sparsity']:.2f}: model size {r['model_size']} -> "
      f"{p['model_size']} B, PMU {r['pmu']} -> {p['pmu']} B, MACs {r['macs']} -> {p['macs']}")
PY
echo "wrote $out/{architectures,resources,children,trained,training}.json"
