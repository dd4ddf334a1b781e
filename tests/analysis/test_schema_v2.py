"""analysis/ on results files written here with h5py in the layout unas writes (README "The results
file", src/store/results_file.*): schema version 2 with weight inheritance, early stopping and
`unas retrain` rows, version 2 as written before early stopping, and version 1 as earlier unas
wrote it. No unas binary needed, so every expected number is known in advance and checked exactly:
loaded frames, the retrained mean ± std in Table 2 and Table 4, the "–" of a model not retrained,
the report's inheritance summary, and stopped candidates kept off fronts and tables."""
import json
import math
import statistics
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import h5py
import matplotlib
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))
import make_report  # noqa: E402
from unas_analysis import figures, pareto, results, tables, variants  # noqa: E402

# Fixed string sizes of src/store/results_file.cpp (kMorphismBytes, kStopRungsBytes, ...); rows
# are laid out as its C structs are (numpy's align=True gives the same offsets and padding).
ARCH, FAILURE, CURVE, PRUNED, OUTCOME, MORPHISM, STOP_RUNGS, TENSORS = 8192, 512, 4096, 4096, 8, 128, 512, 16384

PROPOSAL_V1 = [("id", "<i8"), ("parent_id", "<i8"), ("architecture", f"S{ARCH}"), ("sparsity", "<f8"),
               ("seed", "<u8"), ("issued_at", "<f8")]
PROPOSAL_V2 = PROPOSAL_V1 + [("morphism", f"S{MORPHISM}")]
CANDIDATE_V1 = [("id", "<i8"), ("parent_id", "<i8"), ("rank", "<i4"), ("outcome", f"S{OUTCOME}"),
                ("failure", f"S{FAILURE}"), ("architecture", f"S{ARCH}"), ("sparsity", "<f8"), ("seed", "<u8"),
                ("val_error", "<f8"), ("test_error", "<f8"), ("pmu", "<i8"), ("model_size", "<i8"), ("macs", "<i8"),
                ("pmu_pruned", "<i8"), ("model_size_pruned", "<i8"), ("macs_pruned", "<i8"),
                ("val_curve", f"S{CURVE}"), ("pruned_layers", f"S{PRUNED}"), ("train_seconds", "<f8"),
                ("issued_at", "<f8"), ("finished_at", "<f8")]
CANDIDATE_V2 = CANDIDATE_V1 + [("morphism", f"S{MORPHISM}"), ("inherited_from", "<i8"), ("epochs_trained", "<i4"),
                               ("inherited_fraction", "<f8")]
# Still schema version 2: early stopping and the MACs cap's redraws add fields at the end.
PROPOSAL_ES = PROPOSAL_V2 + [("redraws", "<i4"), ("stop_rungs", f"S{STOP_RUNGS}")]
CANDIDATE_ES = CANDIDATE_V2 + [("stopped_at_epoch", "<i4")]
RETRAINED = [("id", "<i8"), ("seed_index", "<i4"), ("seed", "<u8"), ("rank", "<i4"), ("outcome", f"S{OUTCOME}"),
             ("failure", f"S{FAILURE}"), ("val_error", "<f8"), ("test_error", "<f8"), ("pmu", "<i8"),
             ("model_size", "<i8"), ("macs", "<i8"), ("train_seconds", "<f8"), ("finished_at", "<f8")]
WEIGHT_INDEX = [("id", "<i8"), ("offset", "<i8"), ("count", "<i8"), ("tensors", f"S{TENSORS}")]
# /exports, added to a file by `unas export` (still schema version 2).
EXPORTS = [("id", "<i8"), ("outcome", f"S{OUTCOME}"), ("failure", f"S{FAILURE}"), ("test_examples", "<i8"),
           ("float_accuracy", "<f8"), ("int8_accuracy", "<f8"), ("pmu", "<i8"), ("model_size", "<i8"),
           ("arena_bytes", "<i8"), ("parameter_bytes", "<i8"), ("flash_bytes", "<i8"), ("ram_bytes", "<i8"),
           ("stack_bytes", "<i8"), ("target_match", "<i4"), ("target", "S64"), ("directory", "S1024"),
           ("exported_at", "<f8")]

ARCHITECTURE = json.dumps({"conv_blocks": [{"layers": [{"type": "Conv2D", "ker_size": 3, "filters": 5}]}],
                           "pooling": None, "dense_blocks": []})
MORPH = json.dumps({"kind": "change_filters", "block": 0, "layer": 1, "delta": 3})


def table(rows: list[dict], dtype: list[tuple]) -> np.ndarray:
    """A structured array of `rows`: strings as UTF-8 bytes (fixed length, NUL padded, as
    unas writes them), and every field a row leaves out zero."""
    out = np.zeros(len(rows), dtype=np.dtype(dtype, align=True))
    for i, row in enumerate(rows):
        for key, value in row.items():
            out[key][i] = value.encode() if isinstance(value, str) else value
    return out


def candidate(ident, error, size, pmu=1000, macs=100_000, parent=-1, epochs=3, inherited_from=-1, fraction=0.0,
              outcome="ok", test_error=None, morphism="", sparsity=math.nan, stopped_at=0, redraws=0,
              stop_rungs="[]") -> dict:
    """A finished candidate as unas records it (resource figures equal before and after pruning),
    with what its proposal recorded (redraws, stop_rungs) alongside."""
    failure = {"ok": "", "failed": "NaN loss",
               "stopped": f"validation error {error:.4f} after epoch {stopped_at}, above the threshold 0.2500 there"}
    return {"id": ident, "parent_id": parent, "rank": 1, "outcome": outcome, "failure": failure[outcome],
            "architecture": ARCHITECTURE, "sparsity": sparsity, "seed": 1000 + ident, "val_error": error,
            "test_error": error + 0.01 if test_error is None else test_error, "pmu": pmu, "model_size": size,
            "macs": macs, "pmu_pruned": pmu, "model_size_pruned": size, "macs_pruned": macs,
            "val_curve": json.dumps([round(error + 0.1 / (k + 1), 4) for k in range(epochs)]), "pruned_layers": "{}",
            "train_seconds": 36.0, "issued_at": 1.7e9 + ident, "finished_at": 1.7e9 + ident + 36,
            "morphism": morphism, "inherited_from": inherited_from, "epochs_trained": epochs, "inherited_fraction": fraction,
            "stopped_at_epoch": stopped_at, "redraws": redraws, "stop_rungs": stop_rungs}


def retrain(ident, seed_index, test_error, outcome="ok", size=0) -> dict:
    return {"id": ident, "seed_index": seed_index, "seed": 77 + seed_index, "rank": 1, "outcome": outcome,
            "failure": "" if outcome == "ok" else "NaN loss", "val_error": test_error - 0.005, "test_error": test_error,
            "pmu": 1000, "model_size": size, "macs": 100_000, "train_seconds": 120.0, "finished_at": 1.8e9 + seed_index}


def experiment_toml(name, kind="mnist", bounds="error = 0.5\npeak_memory = 4000\nmodel_size = 5000\nmacs = 1000000",
                    pruning="") -> str:
    return f'name = "{name}"\nseed = 3\n[dataset]\nkind = "{kind}"\npath = "unused"\n[search]\nrounds = 10\n' \
           f'[bounds]\n{bounds}\n[training]\nepochs = 3\n{pruning}'


def export(ident, int8, float_accuracy, outcome="ok") -> dict:
    return {"id": ident, "outcome": outcome, "failure": "" if outcome == "ok" else "qemu did not finish",
            "test_examples": 10000, "float_accuracy": float_accuracy, "int8_accuracy": int8, "pmu": 1000,
            "model_size": 4500, "arena_bytes": 1000, "parameter_bytes": 4700, "flash_bytes": 40000, "ram_bytes": 3000,
            "stack_bytes": 500, "target_match": 1, "target": "mps2-an385 (Cortex-M3, qemu)", "directory": "/tmp/x",
            "exported_at": 1.9e9}


def write_results(path: Path, name: str, candidates: list[dict], version=2, retrained=(), toml=None, mode="w",
                  early_stopping_fields=True, exports=None):
    """A results file in unas's layout: root attributes (variable-length UTF-8 strings, int64,
    uint64), chunked extendable datasets of compound rows in SWMR-capable (latest) format; a
    version 1 file leaves out the version 2 columns and datasets, and early_stopping_fields=False
    writes version 2 as it was before early stopping (no redraws, stop_rungs, stopped_at_epoch).
    Returns the open file when mode is "swmr" (the caller writes more and closes it), else None."""
    f = h5py.File(path, "w", libver="latest")
    attrs = {"experiment_name": name, "experiment_toml": toml or experiment_toml(name), "config_digest": "d1g35t",
             "unas_version": "0.2.0", "hostname": "test", "started_at": "2024-01-01T00:00:00Z"}
    for key, value in attrs.items():
        f.attrs[key] = value
    f.attrs["schema_version"] = np.int64(version)
    f.attrs["seed"] = np.uint64(3)
    f.attrs["rounds"] = np.int64(10)
    f.attrs["mpi_size"] = np.int64(2)
    proposals = [{k: c[k] for k in ("id", "parent_id", "architecture", "sparsity", "seed", "issued_at", "morphism",
                                    "redraws", "stop_rungs")} for c in candidates]
    v2 = version >= 2
    es = v2 and early_stopping_fields
    datasets = [("proposals", proposals, PROPOSAL_ES if es else PROPOSAL_V2 if v2 else PROPOSAL_V1),
                ("candidates", candidates, CANDIDATE_ES if es else CANDIDATE_V2 if v2 else CANDIDATE_V1)]
    if v2:
        datasets += [("retrained", list(retrained), RETRAINED), ("weight_index", [], WEIGHT_INDEX)]
        if exports is not None:
            datasets += [("exports", list(exports), EXPORTS)]
        f.create_dataset("weights", shape=(0,), maxshape=(None,), chunks=(1024,), dtype="<f4")
    for key, rows, dtype in datasets:
        data = table([{k: v for k, v in r.items() if k in dict(dtype)} for r in rows], dtype)
        f.create_dataset(key, data=data, maxshape=(None,), chunks=(16,), compression="gzip", compression_opts=4)
    if mode == "swmr":
        f.swmr_mode = True
        return f
    f.close()
    return None


# Table 2 fixture: an MNIST search whose within-bounds front has a most accurate model (#3,
# retrained with 3 ok seeds and 1 failed one) and a smaller one (#4, not retrained).
MNIST = [
    candidate(0, 0.30, 4000, epochs=3),
    candidate(1, 0.20, 9000, epochs=3),                                           # over the MS bound
    candidate(2, 0.25, 3000, parent=0, epochs=1, inherited_from=0, fraction=0.5, morphism=MORPH),
    candidate(3, 0.05, 4500, parent=2, epochs=1, inherited_from=2, fraction=0.9, morphism=MORPH),
    candidate(4, 0.12, 1200, parent=3, epochs=2, inherited_from=3, fraction=0.7, morphism=MORPH),
    candidate(5, 0.50, 2000, parent=4, epochs=0, outcome="failed", morphism=MORPH),
]
MNIST_RETRAINED = [retrain(3, 0, 0.041), retrain(3, 1, 0.052), retrain(3, 2, 0.047),
                   retrain(3, 3, 1.0, outcome="failed"), retrain(0, 0, 0.2)]
# Table 4 fixture: a sparse MNIST search; #1 is the best within the MS bound, retrained with 3 seeds.
SPARSE = [candidate(0, 0.09, 800, sparsity=0.5), candidate(1, 0.03, 950, parent=0, inherited_from=0, fraction=1.0,
                                                           epochs=2, sparsity=0.6, morphism=MORPH),
          candidate(2, 0.01, 5000, sparsity=0.2)]
SPARSE_RETRAINED = [retrain(1, 0, 0.021, size=950), retrain(1, 1, 0.030, size=950), retrain(1, 2, 0.018, size=950)]
SPARSE_TOML = experiment_toml("mnist_sparse", bounds="error = 0.5\nmodel_size = 1000",
                              pruning='[pruning]\nkind = "unstructured"\nsparsity = [0.2, 0.9]\nepochs = [1, 2]\n')
# Version 1 files, as unas wrote them before weight inheritance: Chars74K for both tables.
CHARS = [candidate(0, 0.40, 3000, epochs=3), candidate(1, 0.35, 2500, parent=0, epochs=3),
         candidate(2, 0.90, 100, parent=1, epochs=0, outcome="failed")]
CHARS_TOML = experiment_toml("chars74k_ae", kind="chars74k")
CHARS_SPARSE_TOML = experiment_toml("chars74k_sparse", kind="chars74k", bounds="error = 0.5\nmodel_size = 3000",
                                    pruning='[pruning]\nkind = "unstructured"\nsparsity = [0.1, 0.9]\nepochs = [1, 2]\n')


# An accelerated MNIST search (AE + pruning, inheritance and early stopping: "AE + pruning, fast").
# #2 was stopped early with the lowest error and the smallest size: were it counted, it would
# dominate everything; it must appear on no front, in no table, in no hypervolume.
FAST_RUNGS = "[[1,0.25]]"
MNIST_FAST = [
    candidate(0, 0.30, 4000, epochs=3, redraws=2),
    candidate(1, 0.20, 3000, parent=0, epochs=1, inherited_from=0, fraction=0.8, morphism=MORPH, stop_rungs=FAST_RUNGS),
    candidate(2, 0.01, 1000, parent=1, epochs=1, inherited_from=1, fraction=0.6, morphism=MORPH, outcome="stopped",
              stopped_at=1, redraws=3, stop_rungs=FAST_RUNGS),
    candidate(3, 0.50, 2000, parent=1, epochs=0, outcome="failed", morphism=MORPH, stop_rungs=FAST_RUNGS),
    candidate(4, 0.60, 2500, epochs=1, outcome="stopped", stopped_at=1, redraws=1, stop_rungs=FAST_RUNGS),
    candidate(5, 0.10, 4800, parent=1, epochs=1, inherited_from=1, fraction=0.9, morphism=MORPH, stop_rungs=FAST_RUNGS),
]
FAST_TOML = experiment_toml("mnist_ae_fast", pruning='[pruning]\nkind = "structured"\nsparsity = [0.1, 0.8]\nepochs = [1, 2]\n') \
    .replace("rounds = 10\n", "rounds = 10\ninherit_weights = true\n[search.early_stopping]\nrungs = [1]\nkeep = 0.34\n"
             "min_reports = 8\n")


def expected(test_errors) -> str:
    """The retrained cell, computed here: mean and sample standard deviation of test accuracy %."""
    accuracy = [100 * (1 - t) for t in test_errors]
    return f"{statistics.mean(accuracy):.2f} ± {statistics.stdev(accuracy):.2f}"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("v2")
    paths = {"mnist_ae": tmp / "mnist_ae.h5", "mnist_sparse": tmp / "mnist_sparse.h5",
             "chars74k_ae": tmp / "chars74k_ae.h5", "chars74k_sparse": tmp / "chars74k_sparse.h5",
             "mnist_ae_fast": tmp / "mnist_ae_fast.h5"}
    # #3 exported twice (the later export counts), #4 once but it failed there
    write_results(paths["mnist_ae"], "mnist_ae", MNIST, retrained=MNIST_RETRAINED,
                  exports=[export(3, 0.90, 0.95), export(3, 0.9412, 0.9533), export(4, 0.5, 0.9, outcome="failed")])
    write_results(paths["mnist_sparse"], "mnist_sparse", SPARSE, retrained=SPARSE_RETRAINED, toml=SPARSE_TOML)
    write_results(paths["chars74k_ae"], "chars74k_ae", CHARS, version=1, toml=CHARS_TOML)
    write_results(paths["chars74k_sparse"], "chars74k_sparse", CHARS, version=1, toml=CHARS_SPARSE_TOML)
    write_results(paths["mnist_ae_fast"], "mnist_ae_fast", MNIST_FAST, toml=FAST_TOML)
    return paths


@pytest.fixture(scope="module")
def report(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_v2")
    assert make_report.main([str(p) for p in files.values()] + ["--out", str(out)]) == 0
    return out


def md_rows(text):
    """Markdown table rows as {column: cell}."""
    lines = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    return [dict(zip(lines[0], r)) for r in lines[2:]]


def test_v2_candidates_load_with_inheritance_columns(files):
    e = results.load(files["mnist_ae"])
    assert e.schema_version == 2
    c = e.candidates.set_index("id")
    assert list(c.index) == [0, 1, 2, 3, 4, 5]
    assert list(c["inherited_from"]) == [-1, -1, 0, 2, 3, -1]
    assert list(c["epochs_trained"]) == [3, 3, 1, 1, 2, 0]
    assert list(c["inherited_fraction"]) == [0.0, 0.0, 0.5, 0.9, 0.7, 0.0]
    assert list(c["morphism"]) == ["", "", MORPH, MORPH, MORPH, MORPH]
    assert json.loads(c.loc[3, "morphism"]) == {"kind": "change_filters", "block": 0, "layer": 1, "delta": 3}
    assert c.loc[3, "error"] == 0.05 and c.loc[3, "model_size"] == 4500 and c.loc[5, "outcome"] == "failed"


def test_v2_retrained_rows_load_as_a_frame(files):
    r = results.load(files["mnist_ae"]).retrained
    assert list(r.columns) == results.RETRAINED_COLUMNS
    assert list(r["id"]) == [3, 3, 3, 3, 0]
    assert list(r["seed_index"]) == [0, 1, 2, 3, 0]
    assert list(r["outcome"]) == ["ok", "ok", "ok", "failed", "ok"]
    assert list(r["test_error"]) == [0.041, 0.052, 0.047, 1.0, 0.2]
    assert list(r["seed"]) == [77, 78, 79, 80, 77] and r.loc[3, "failure"] == "NaN loss"
    summary = results.retrained_accuracy(results.load(files["mnist_ae"]))
    assert summary.loc[3, "seeds"] == 4 and summary.loc[3, "ok"] == 3
    assert summary.loc[3, "mean"] == pytest.approx(statistics.mean([95.9, 94.8, 95.3]))
    assert summary.loc[3, "std"] == pytest.approx(statistics.stdev([95.9, 94.8, 95.3]))


def test_v1_file_loads_with_defaults(files):
    e = results.load(files["chars74k_ae"])
    assert e.schema_version == 1
    c = e.candidates
    assert list(c["inherited_from"]) == [-1, -1, -1]
    assert list(c["epochs_trained"]) == [3, 3, 0]  # the length of each val_curve
    assert list(c["inherited_fraction"]) == [0.0, 0.0, 0.0]
    assert list(c["morphism"]) == ["", "", ""]
    assert e.retrained.empty and list(e.retrained.columns) == results.RETRAINED_COLUMNS
    assert results.retrained_accuracy(e).empty
    assert list(c["stopped_at_epoch"]) == [0, 0, 0] and list(c["redraws"]) == [0, 0, 0]
    assert list(c["stop_rungs"]) == ["[]"] * 3 and e.redraws == 0 and e.count("stopped") == 0


def test_table2_shows_retrained_mean_and_std(report):
    rows = {r["Model"]: r for r in md_rows((report / "table2.md").read_text())}
    best, small = rows["unas mnist_ae #3 (most accurate)"], rows["unas mnist_ae #4 (smallest)"]
    assert best[tables.RETRAINED] == expected([0.041, 0.052, 0.047]) + " (n=3, 1 failed)"
    assert best["Accuracy %"] == "95.00"  # the search-time figure, unchanged
    assert small[tables.RETRAINED] == "–"
    assert rows["unas chars74k_ae #1 (most accurate)"][tables.RETRAINED] == "–"  # a version 1 file
    assert rows["SpArSe"][tables.RETRAINED] == ""  # baselines were not retrained here
    assert list(md_rows((report / "table2.md").read_text())[0]) == tables.COLUMNS


def test_exports_load_and_fill_the_int8_column(files, report):
    e = results.load(files["mnist_ae"])
    assert list(e.exports.columns) == results.EXPORT_COLUMNS
    assert list(e.exports["id"]) == [3, 3, 4] and list(e.exports["outcome"]) == ["ok", "ok", "failed"]
    assert e.exports.loc[0, "target"] == "mps2-an385 (Cortex-M3, qemu)"
    assert list(e.exports["flash_bytes"]) == [40000] * 3
    summary = results.exported(e)
    assert list(summary.index) == [3]  # the failed export of #4 is not a result
    assert summary.loc[3, "int8"] == pytest.approx(94.12) and summary.loc[3, "float"] == pytest.approx(95.33)
    assert results.load(files["chars74k_ae"]).exports.empty  # a version 1 file
    rows = {r["Model"]: r for r in md_rows((report / "table2.md").read_text())}
    assert rows["unas mnist_ae #3 (most accurate)"][tables.INT8] == "94.12 (float 95.33)"
    assert rows["unas mnist_ae #4 (smallest)"][tables.INT8] == "–"
    assert rows["SpArSe"][tables.INT8] == ""
    sparse = {r["Model"]: r for r in md_rows((report / "table4.md").read_text())}
    assert sparse["unas mnist_sparse #1"][tables.INT8] == "–"


def test_table4_shows_retrained_mean_and_std(report):
    rows = {r["Model"]: r for r in md_rows((report / "table4.md").read_text())}
    assert rows["unas mnist_sparse #1"][tables.RETRAINED] == expected([0.021, 0.030, 0.018]) + " (n=3)"
    assert rows["unas mnist_sparse #1"]["Accuracy %"] == "97.00" and rows["unas mnist_sparse #1"]["MS B"] == "950"
    assert rows["unas chars74k_sparse #1"][tables.RETRAINED] == "–"


def test_latex_tables_carry_the_column_and_the_note(report):
    tex2, tex4 = (report / "table2.tex").read_text(), (report / "table4.tex").read_text()
    assert expected([0.041, 0.052, 0.047]).replace("±", r"$\pm$") + r" (n=3, 1 failed)" in tex2
    assert expected([0.021, 0.030, 0.018]).replace("±", r"$\pm$") + " (n=3)" in tex4
    assert r"Retrained test acc. \%" in tex2 and " & -- & " in tex2
    for tex in (tex2, tex4):
        assert "search-time validation accuracy" in tex and "not comparable to full training" in tex
        assert "±" not in tex and "–" not in tex  # escaped for LaTeX


def test_report_summarises_inheritance_and_retraining(report):
    text = (report / "report.md").read_text()
    assert "*" + tables.NOTE + "*" in text and "*" + tables.SPARSE_NOTE + "*" in text
    section = text[text.index("## Weight inheritance and retraining"):]
    rows = {r["experiment"]: r for r in md_rows(section[:section.index("\n## ")])}
    mnist = rows["mnist_ae"]
    assert mnist["inherited weights"] == "3 of 6"
    assert mnist["mean inherited fraction"] == f"{statistics.mean([0.5, 0.9, 0.7]):.3f}"
    assert mnist["epochs trained: candidates"] == "3: 2, 2: 1, 1: 2, 0: 1"
    assert (mnist["schema"], mnist["retrained rows"], mnist["retrained ok"], mnist["retrained models"]) == ("2", "5", "4", "2")
    chars = rows["chars74k_ae"]
    assert (chars["schema"], chars["inherited weights"], chars["mean inherited fraction"]) == ("1", "0 of 3", "–")
    assert chars["epochs trained: candidates"] == "3: 2, 0: 1" and chars["retrained rows"] == "0"
    assert "| chars74k_ae | full | Chars74K | AE | 3 | 2 | 1 | 0 | 10 | 0 |" in text  # the summary
    assert (chars["early-stopping rungs"], chars["stopped at epoch: candidates"]) == ("–", "–")
    fast = rows["mnist_ae_fast"]
    assert (fast["early-stopping rungs"], fast["stopped at epoch: candidates"]) == ("1", "1: 2")
    assert fast["inherited weights"] == "3 of 6"


def test_csv_files_pass_the_new_columns_through(report):
    csv = pd.read_csv(report / "candidates.csv", keep_default_na=False)
    mnist = csv[csv["experiment"] == "mnist_ae"].set_index("id")
    assert list(mnist["inherited_from"]) == [-1, -1, 0, 2, 3, -1]
    assert list(mnist["inherited_fraction"]) == [0.0, 0.0, 0.5, 0.9, 0.7, 0.0]
    assert mnist.loc[2, "morphism"] == MORPH and mnist.loc[0, "morphism"] == ""
    chars = csv[csv["experiment"] == "chars74k_ae"]
    assert list(chars["inherited_from"]) == [-1, -1, -1] and list(chars["epochs_trained"]) == [3, 3, 0]
    assert list(chars["stopped_at_epoch"]) == [0, 0, 0] and list(chars["redraws"]) == [0, 0, 0]
    fast = csv[csv["experiment"] == "mnist_ae_fast"].set_index("id")
    assert list(fast["outcome"]) == ["ok", "ok", "stopped", "failed", "stopped", "ok"]
    assert list(fast["stopped_at_epoch"]) == [0, 0, 1, 0, 1, 0]
    assert list(fast["redraws"]) == [2, 0, 3, 0, 1, 0]
    assert fast.loc[2, "stop_rungs"] == FAST_RUNGS and fast.loc[0, "stop_rungs"] == "[]"
    assert set(fast["variant"]) == {"AE + pruning, fast"}
    retrained = pd.read_csv(report / "retrained.csv")
    assert len(retrained) == len(MNIST_RETRAINED) + len(SPARSE_RETRAINED)
    assert sorted(set(retrained["experiment"])) == ["mnist_ae", "mnist_sparse"]


def test_a_seed_retrained_twice_counts_once(tmp_path):
    """Retraining repeated (a resumed `unas retrain`): the last row of a seed counts."""
    path = tmp_path / "mnist_ae.h5"
    rows = [retrain(3, 0, 1.0, outcome="failed"), retrain(3, 1, 0.05), retrain(3, 0, 0.04)]
    write_results(path, "mnist_ae", MNIST, retrained=rows)
    e = results.load(path)
    assert len(e.retrained) == 3
    assert tables.retrained_cell(results.retrained_accuracy(e), 3) == expected([0.05, 0.04]) + " (n=2)"
    assert tables.retrained_cell(results.retrained_accuracy(e), 4) == "–"
    one = tmp_path / "one.h5"
    write_results(one, "mnist_ae", MNIST, retrained=[retrain(3, 0, 0.05), retrain(4, 0, 1.0, outcome="failed")])
    summary = results.retrained_accuracy(results.load(one))
    assert tables.retrained_cell(summary, 3) == "95.00 (n=1)"  # no spread from one seed
    assert tables.retrained_cell(summary, 4) == "all 1 seeds failed"


def test_a_v2_file_being_written_is_read(tmp_path):
    """A writer in another process holds the file open in SWMR mode and appends retrained rows
    after the reader's first look; the reader sees what was flushed each time."""
    path = tmp_path / "growing.h5"
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, numpy as np
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import test_schema_v2 as t
        f = t.write_results(__import__("pathlib").Path({str(path)!r}), "mnist_ae", t.MNIST, mode="swmr")
        print("open", flush=True)
        sys.stdin.readline()
        d = f["retrained"]
        d.resize((3,))
        d[:] = t.table(t.MNIST_RETRAINED[:3], t.RETRAINED)
        d.flush()
        print("appended", flush=True)
        sys.stdin.readline()
        f.close()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert writer.stdout.readline().strip() == "open"
        e = results.load(path)
        assert len(e.candidates) == len(MNIST) and e.retrained.empty
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "appended"
        e = results.load(path)
        assert list(e.retrained["test_error"]) == [0.041, 0.052, 0.047]
        assert tables.retrained_cell(results.retrained_accuracy(e), 3) == expected([0.041, 0.052, 0.047]) + " (n=3)"
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.wait(timeout=30) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()


def test_stopped_candidates_and_redraws_load(files):
    e = results.load(files["mnist_ae_fast"])
    c = e.candidates.set_index("id")
    assert list(c["outcome"]) == ["ok", "ok", "stopped", "failed", "stopped", "ok"]
    assert list(c["stopped_at_epoch"]) == [0, 0, 1, 0, 1, 0]
    assert c.loc[2, "error"] == 0.01 and c.loc[2, "failure"].startswith("validation error 0.0100 after epoch 1")
    assert list(c["redraws"]) == [2, 0, 3, 0, 1, 0] and e.redraws == 6
    assert (e.count("ok"), e.count("failed"), e.count("stopped")) == (3, 1, 2)
    assert list(e.proposal_rows.columns) == results.PROPOSAL_COLUMNS
    assert list(e.proposal_rows["stop_rungs"]) == ["[]"] + [FAST_RUNGS] * 5
    assert json.loads(e.proposal_rows["stop_rungs"][1]) == [[1, 0.25]]
    assert e.inherit_weights and e.early_stopping_rungs == [1]
    assert list(e.ok["id"]) == [0, 1, 5]  # what fronts, tables and hypervolumes start from


def test_a_v2_file_from_before_early_stopping_loads_with_defaults(tmp_path):
    """A version 2 file written before early stopping (no redraws, stop_rungs, stopped_at_epoch)
    reads as if nothing was stopped or drawn again, and the report counts it so."""
    path = tmp_path / "mnist_ae.h5"
    write_results(path, "mnist_ae", MNIST, retrained=MNIST_RETRAINED, early_stopping_fields=False)
    with h5py.File(path, "r") as f:
        assert "stopped_at_epoch" not in f["candidates"].dtype.names and "redraws" not in f["proposals"].dtype.names
        assert "inherited_from" in f["candidates"].dtype.names
    e = results.load(path)
    assert e.schema_version == 2 and len(e.candidates) == len(MNIST)
    assert list(e.candidates["stopped_at_epoch"]) == [0] * 6 and list(e.candidates["redraws"]) == [0] * 6
    assert list(e.proposal_rows["redraws"]) == [0] * 6 and list(e.proposal_rows["stop_rungs"]) == ["[]"] * 6
    assert list(e.candidates["inherited_from"]) == [-1, -1, 0, 2, 3, -1]
    out = tmp_path / "report"
    assert make_report.main([str(path), "--out", str(out)]) == 0
    assert "| mnist_ae | full | MNIST | AE | 6 | 5 | 1 | 0 | 10 | 0 |" in (out / "report.md").read_text()
    assert list(pd.read_csv(out / "candidates.csv")["stopped_at_epoch"]) == [0] * 6


def test_report_counts_stopped_candidates_and_redraws(report):
    text = (report / "report.md").read_text()
    assert "| experiment | scale | task | variant | finished | ok | failed | stopped | of rounds | redraws |" in text
    assert "| mnist_ae_fast | full | MNIST | AE + pruning, fast | 6 | 3 | 1 | 2 | 10 | 6 |" in text
    assert "| mnist_ae | full | MNIST | AE | 6 | 5 | 1 | 0 | 10 | 0 |" in text


def test_a_stopped_candidate_is_never_a_found_model(files, report):
    """#2 of mnist_ae_fast was stopped with the lowest error of all at the smallest size: counted,
    it would be the most accurate and the smallest model and dominate the whole front."""
    rows = [r["Model"] for r in md_rows((report / "table2.md").read_text()) if r["Model"].startswith("unas mnist_ae_fast")]
    assert rows == ["unas mnist_ae_fast #5 (most accurate)", "unas mnist_ae_fast #1 (smallest)"]
    fronts = pd.read_csv(report / "fronts.csv")
    fast = fronts[fronts["experiment"] == "mnist_ae_fast"]
    assert set(fast["front"]) == {"error vs model_size", "error vs pmu", "error vs macs"}
    assert set(fast.loc[fast["front"] == "error vs model_size", "id"]) == {1, 5} and 2 not in set(fast["id"])
    # the hypervolume by hand: #1 and #5 divided by the bounds (error 0.5, PMU 4000, MS 5000, MACs 1 M)
    # are (0.4, 0.25, 0.6, 0.1) and (0.2, 0.25, 0.96, 0.1); error x MS area 0.6*0.4 + 0.8*0.04 - 0.6*0.04
    hypervolume = pd.read_csv(report / "hypervolume.csv")
    curve = hypervolume[hypervolume["experiment"] == "mnist_ae_fast"]
    assert list(curve["finished"]) == [1, 2, 3, 4, 5, 6]
    assert curve["hypervolume"].iloc[-1] == pytest.approx(0.248 * 0.75 * 0.9)
    assert curve["hypervolume"].iloc[2] == curve["hypervolume"].iloc[1]  # the stopped #2 adds nothing
    e = results.load(files["mnist_ae_fast"])
    assert [int(r["id"]) for _, r in tables.picks(e)] == [5, 1]


def test_fig3_greys_stopped_candidates_and_keeps_them_off_the_front(files, tmp_path, monkeypatch):
    """The accelerated run is drawn beside plain AE (it is no stand-in for it), its stopped
    candidates light grey, small and behind, and its front from ok candidates only."""
    figures_drawn = []
    monkeypatch.setattr(figures, "_save", lambda fig, stem: figures_drawn.append(fig) or [stem.with_suffix(".png")])
    experiments = [results.load(files["mnist_ae"]), results.load(files["mnist_ae_fast"])]
    paths, missing = figures.fig3(experiments, "MNIST", tmp_path / "fig3")
    assert missing == ["MNIST BO", "MNIST AE + pruning"]  # the fast run stands in for neither
    ax = figures_drawn[0].axes[0]
    scatters = {c.get_label(): c for c in ax.collections}
    stopped = scatters["AE + pruning, fast: stopped early (2)"]
    assert stopped.get_offsets().tolist() == [[1000, 0.01], [2500, 0.6]]
    assert stopped.get_facecolors()[0].tolist() == list(matplotlib.colors.to_rgba(figures.STOPPED_COLOUR))
    ok = scatters["AE + pruning, fast (3 models)"]
    assert ok.get_offsets().tolist() == [[4000, 0.3], [3000, 0.2], [4800, 0.1]]
    assert stopped.get_zorder() < ok.get_zorder() and stopped.get_sizes()[0] < ok.get_sizes()[0]
    assert "AE (5 models)" in scatters and not any("AE: stopped" in label for label in scatters)
    front = next(line for line in ax.get_lines() if line.get_label() == "AE + pruning, fast front")
    assert list(front.get_xdata()) == [3000, 4800] and list(front.get_ydata()) == [0.2, 0.1]
    # a real PNG and PDF as well
    monkeypatch.undo()
    paths, _ = figures.fig3(experiments, "MNIST", tmp_path / "fig3")
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 1000 for p in paths)


def _experiment(toml: str) -> results.Experiment:
    return results.Experiment(path=Path("x.h5"), name="x", config=tomllib.loads(toml), candidates=pd.DataFrame(),
                              rounds=1, proposals=0, mpi_size=1, unas_version="test")


BOUNDS = "[bounds]\nerror = 0.5\npeak_memory = 4000\nmodel_size = 5000\n"
RUNGS = "[search.early_stopping]\nrungs = [5, 15]\n"


@pytest.mark.parametrize("toml, label", [
    (BOUNDS, "AE"),
    ("[search]\ninherit_weights = true\n" + BOUNDS, "AE + inheritance"),
    ("[search]\ninherit_weights = false\n" + RUNGS + BOUNDS, "AE + early stopping"),
    ("[search]\ninherit_weights = true\n" + RUNGS + BOUNDS + '[pruning]\nkind = "structured"\n', "AE + pruning, fast"),
    ("[search]\ninherit_weights = true\n" + RUNGS + BOUNDS, "AE, fast"),
    ('[search]\nalgorithm = "bayesian_optimisation"\n' + RUNGS + BOUNDS, "BO + early stopping"),
    ('[search]\ninherit_weights = true\n[search.early_stopping]\nrungs = []\n' + BOUNDS, "AE + inheritance"),
    ("[search]\ninherit_weights = true\n[bounds]\nerror = 0.5\npeak_memory = 4000\n", "AE + inheritance (no MS)"),
    ("[search]\ninherit_weights = true\n" + RUNGS + BOUNDS + '[pruning]\nkind = "structured"\n[simulate]\nmean_seconds = 0\n',
     "AE + pruning, fast [simulated]"),
    ("[search]\ninherit_weights = true\n" + RUNGS + BOUNDS + '[pruning]\nkind = "unstructured"\n', "sparse, fast"),
    (RUNGS + "keep = 0.34\nmin_reports = 8\n" + BOUNDS + '[pruning]\nkind = "structured"\n', "AE + pruning + early stopping"),
])
def test_variant_labels_from_settings(toml, label):
    """An accelerated search is its own ablation, named from its settings: ", fast" for both
    accelerations, else the one that is on; rungs a scale dropped count as no early stopping."""
    assert variants.variant(_experiment(toml)) == label
    assert figures.variant(_experiment(toml)) == label.replace(" [simulated]", "")


def test_effective_bounds_cap_macs_by_max_macs():
    capped = _experiment(BOUNDS + "macs = 30000000\n[training]\nmax_macs = 2000000\n")
    assert capped.effective_bounds == {"error": 0.5, "pmu": 4000, "model_size": 5000, "macs": 2_000_000}
    assert capped.bounds["macs"] == 30_000_000  # the report's own bounds are unchanged
    assert _experiment(BOUNDS + "[training]\nmax_macs = 2000000\n").effective_bounds["macs"] is None  # no MACs bound made
    assert _experiment(BOUNDS + "macs = 1000000\n[training]\nmax_macs = 2000000\n").effective_bounds["macs"] == 1_000_000


def test_hypervolume_over_rounds_matches_recomputing_every_prefix():
    """The incremental hypervolume (pareto.hypervolume_steps) equals the volume of each prefix's
    ok points computed from scratch, on random points in and out of the bounds."""
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 1.3, size=(60, 3)) * [0.5, 4000, 5000]
    counts = rng.uniform(size=60) < 0.8
    scale = np.array([0.5, 4000, 5000])
    steps = pareto.hypervolume_steps(points, counts, scale)
    for k in range(1, 61):
        prefix = points[:k][counts[:k]] / scale
        assert steps[k - 1] == pytest.approx(pareto.hypervolume(prefix, np.ones(3)) if len(prefix) else 0.0, abs=1e-12)
    assert list(pareto.hypervolume_steps(np.zeros((3, 0)), [True] * 3, np.zeros(0))) == [0.0] * 3
