#!/usr/bin/env bash
# Exports the front of each given results file with `unas export --front` (int8 C, host build,
# emulated Cortex-M) and collects every /exports row into one CSV: int8 vs float accuracy, the
# planned arena vs the predicted PMU, the model's flash and RAM on the target vs the predicted
# model size. Run by hand; the figures go into issue notes.
#
#   bash bench/export_front.sh [--out bench/results/export] [--csv-only] RESULTS.h5...
#
# --csv-only collects the rows the files already hold, exporting nothing.
# The results files gain /exports rows (a later export of a model supersedes an earlier one); the
# exported sources go to results/export_front/NAME/candidate_N/ (git-ignored), the CSV and each
# file's printout to --out.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/export
if [[ ${1:-} == --out ]]; then out=$2; shift 2; fi
csv_only=false
if [[ ${1:-} == --csv-only ]]; then csv_only=true; shift; fi
if [[ $# -eq 0 || ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
unas=${UNAS:-build/bin/unas}
mkdir -p "$out"
$csv_only || for results in "$@"; do
  name=$(basename "$results" .h5)
  echo "export_front: $results" >&2
  # Exit 1 means a model failed or differed on the target: the CSV says which; keep going.
  "$unas" export "$results" --front --out "results/export_front/$name" | tee "$out/$name.log" || [[ $? -eq 1 ]]
done
/usr/bin/python3 - "$out/exports.csv" "$@" <<'PY'
import sys
from pathlib import Path

sys.path.insert(0, "analysis")
import pandas as pd
from unas_analysis import results

frames = []
for path in sys.argv[2:]:
    e = results.load(path)
    rows = e.exports.drop_duplicates("id", keep="last").copy()
    rows.insert(0, "results", Path(path).name)
    frames.append(rows)
table = pd.concat(frames, ignore_index=True).drop(columns=["directory"])
table["int8_minus_float_pp"] = 100 * (table["int8_accuracy"] - table["float_accuracy"])
table["arena_over_pmu"] = table["arena_bytes"] / table["pmu"]
table["flash_over_model_size"] = table["flash_bytes"] / table["model_size"]
table["ram_over_pmu"] = table["ram_bytes"] / table["pmu"]
table.to_csv(sys.argv[1], index=False, float_format="%.4f")
ok = table[table["outcome"] == "ok"]
print(f"export_front: {len(ok)} of {len(table)} models exported; int8 - float accuracy: mean {ok['int8_minus_float_pp'].mean():+.2f} pp, "
      f"range {ok['int8_minus_float_pp'].min():+.2f} .. {ok['int8_minus_float_pp'].max():+.2f} pp; arena == PMU for "
      f"{(ok['arena_bytes'] == ok['pmu']).sum()}; outputs equal on the target for {(ok['target_match'] == 1).sum()}; "
      f"flash / MS {ok['flash_over_model_size'].min():.2f} .. {ok['flash_over_model_size'].max():.2f}; "
      f"RAM / PMU {ok['ram_over_pmu'].min():.3f} .. {ok['ram_over_pmu'].max():.3f} -> {sys.argv[1]}")
PY
