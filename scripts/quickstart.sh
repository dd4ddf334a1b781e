#!/usr/bin/env bash
# Quick-start command 1: installs dependencies, builds, and runs the main job.
# Until the search orchestrator lands, the main job is the resource model on random
# architectures of the Chars74K task (48x48x3, 62 classes): it writes results/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
out=results/quickstart
mkdir -p "$out"
./build/bin/unas arch random --count 100 --seed 1 --input 48x48x3 --classes 62 >"$out/architectures.json"
./build/bin/unas arch stats "$out/architectures.json" --input 48x48x3 --classes 62 >"$out/resources.json"
./build/bin/unas arch morph "$out/architectures.json" --seed 1 --log-level warn >"$out/children.json"
/usr/bin/python3 - "$out/resources.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
within = [r for r in rows if r["pmu"] <= 10000 and r["model_size"] <= 20000 and r["macs"] <= 1_000_000]
print(f"{len(rows)} random architectures: peak memory {min(r['pmu'] for r in rows)}..{max(r['pmu'] for r in rows)} B, "
      f"model size {min(r['model_size'] for r in rows)}..{max(r['model_size'] for r in rows)} B; "
      f"{len(within)} within the Chars74K bounds (PMU 10 000 B, MS 20 000 B, 1 M MACs)")
PY
echo "wrote $out/architectures.json, $out/resources.json, $out/children.json"
