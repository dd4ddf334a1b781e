"""analysis/ on results files made by real `unas run` invocations in this test (simulated
trainers for the search ablations, real training for one), checked against the HDF5 rows and a
Pareto front computed independently here."""
import os
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))
import make_report  # noqa: E402
from unas_analysis import pareto  # noqa: E402

UNAS = os.environ.get("UNAS_BINARY", str(ROOT / "build" / "bin" / "unas"))

SIMULATED = """
[dataset]
kind = "{kind}"
path = "unused"
[search]
rounds = {rounds}
population = 20
sample = 5
[bounds]
error = 0.5
{bounds}
[simulate]
mean_seconds = 0.0
failure_rate = 0.05
"""

ABLATIONS = {  # name: (kind, bounds lines, extra tables)
    "chars74k_ae": ("chars74k", "peak_memory = 60000\nmodel_size = 40000\nmacs = 20000000", ""),
    "chars74k_ae_prune": ("chars74k", "peak_memory = 60000\nmodel_size = 40000\nmacs = 20000000",
                          '[pruning]\nkind = "structured"\nsparsity = [0.1, 0.8]\nepochs = [1, 1]\n'),
    "mnist_ae": ("mnist", "peak_memory = 30000\nmodel_size = 30000\nmacs = 20000000", ""),
    "mnist_ae_no_ms": ("mnist", 'peak_memory = 30000\nmodel_size = "none"\nmacs = 20000000', ""),
    "mnist_sparse": ("mnist", "model_size = 30000", '[pruning]\nkind = "unstructured"\nsparsity = [0.2, 0.9]\nepochs = [1, 1]\n'),
}


def run_unas(tmp: Path, name: str, body: str, background=False):
    toml = tmp / f"{name}.toml"
    toml.write_text(f'name = "{name}"\nseed = 3\n{body}\n[run]\nresults = "{tmp / (name + ".h5")}"\n')
    command = [UNAS, "--log-level", "warn", "run", str(toml)]
    if background:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(command, check=True, capture_output=True)
    return tmp / f"{name}.h5"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    files = [run_unas(tmp, n, SIMULATED.format(kind=k, rounds=150, bounds=b) + extra) for n, (k, b, extra) in ABLATIONS.items()]
    real = run_unas(tmp, "fashion_ae", """
[dataset]
kind = "fashion_mnist"
path = "/usr/share/datasets/fashion-mnist"
max_train = 400
max_validation = 100
max_test = 100
[search]
rounds = 4
population = 2
sample = 2
[bounds]
error = 0.9
model_size = 1000000
[training]
epochs = 1
batch_size = 50
learning_rate = [[0, 0.02]]
""")
    return tmp, files + [real]


@pytest.fixture(scope="module")
def report(results, tmp_path_factory):
    tmp, files = results
    out = tmp_path_factory.mktemp("report")
    assert make_report.main([str(f) for f in files] + ["--out", str(out)]) == 0
    return out


def independent_front(points):
    """Brute force, no numpy tricks: i is on the front unless some j is no worse everywhere and better somewhere."""
    front = set()
    for i, p in enumerate(points):
        if not any(all(a <= b for a, b in zip(q, p)) and any(a < b for a, b in zip(q, p)) for j, q in enumerate(points) if j != i):
            front.add(i)
    return front


def rows_of(path):
    with h5py.File(path, "r") as f:
        return f["candidates"][:]


def table_rows(text):
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()[2:]]


def test_found_models_are_on_the_front_and_match_the_file(results, report):
    tmp, files = results
    checked = 0
    for table in ("table2.md", "table4.md"):
        for row in table_rows((report / table).read_text()):
            if not row[1].startswith("unas "):
                continue
            name, ident = row[1].split()[1], int(row[1].split("#")[1].split()[0])
            data = rows_of(tmp / f"{name}.h5")
            match = data[data["id"] == ident][0]
            assert match["outcome"] == b"ok"
            assert row[2] == f"{100 * (1 - match['val_error']):.2f}"
            assert int(row[3]) == match["model_size_pruned"]
            if table == "table2.md":
                assert int(row[4]) == match["pmu_pruned"] and int(row[5]) == match["macs_pruned"]
                # on the front of the within-bounds models, over the bounded objectives
                ok = data[data["outcome"] == b"ok"]
                with_bounds = {"chars74k_ae": (0.5, 60000, 40000, 20000000), "chars74k_ae_prune": (0.5, 60000, 40000, 20000000),
                               "mnist_ae": (0.5, 30000, 30000, 20000000), "mnist_ae_no_ms": (0.5, 30000, None, 20000000),
                               "fashion_ae": (0.9, None, 1000000, None)}[name]
                columns = [c for c, b in zip(("val_error", "pmu_pruned", "model_size_pruned", "macs_pruned"), with_bounds) if b is not None]
                limits = [b for b in with_bounds if b is not None]
                within = [r for r in ok if all(r[c] <= b for c, b in zip(columns, limits))] or list(ok)
                points = [tuple(float(r[c]) for c in columns) for r in within]
                front_ids = {int(within[i]["id"]) for i in independent_front(points)}
                assert ident in front_ids, (name, ident)
            checked += 1
    assert checked >= 6


def test_figures_are_written_and_missing_experiments_reported(report):
    for name in ("fig3_chars74k", "fig3_mnist", "fig4", "hypervolume"):
        assert (report / f"{name}.png").stat().st_size > 5000
        assert (report / f"{name}.pdf").stat().st_size > 1000
    text = (report / "report.md").read_text()
    assert "- Fig. 3: no Chars74K BO experiment" in text
    assert "- Fig. 4: no MNIST AE (no PMU) experiment" in text
    assert "- Table 2: no experiment for CIFAR-10" in text
    assert "![Fig. 4](fig4.png)" in text
    fronts = (report / "fronts.csv").read_text()
    assert "mnist_ae_no_ms,error vs pmu," in fronts and "error vs macs" in fronts
    csv = (report / "candidates.csv").read_text().splitlines()
    assert len(csv) == 1 + 5 * 150 + 4  # every candidate of every experiment


def test_a_file_being_written_and_a_corrupt_file(results, tmp_path):
    tmp, files = results
    running = run_unas(tmp, "growing", SIMULATED.format(kind="mnist", rounds=100000, bounds="model_size = 30000").replace(
        "mean_seconds = 0.0", "mean_seconds = 0.01"), background=True)
    try:
        time.sleep(3)
        bad = tmp_path / "corrupt.h5"
        bad.write_bytes(b"not hdf5 at all")
        assert make_report.main([str(tmp / "growing.h5"), str(bad), "--out", str(tmp_path / "r")]) == 0
        assert "unreadable: " + str(bad) in (tmp_path / "r" / "report.md").read_text()
        assert "| growing |" in (tmp_path / "r" / "report.md").read_text()
    finally:
        running.kill()
        running.wait()
    assert make_report.main([str(tmp_path / "corrupt.h5"), "--out", str(tmp_path / "r2")]) == 2


def test_hypervolume_by_hand():
    # Two points in the unit square: (0.2, 0.6) and (0.5, 0.3) with reference (1, 1):
    # 0.8*0.4 + 0.5*0.7 - 0.5*0.4 = 0.47
    assert pareto.hypervolume(np.array([[0.2, 0.6], [0.5, 0.3]]), np.array([1.0, 1.0])) == pytest.approx(0.47)
    # a dominated point and one outside the reference change nothing
    assert pareto.hypervolume(np.array([[0.2, 0.6], [0.5, 0.3], [0.6, 0.7], [1.2, 0.1]]), np.array([1.0, 1.0])) == pytest.approx(0.47)
    # a box in 3D
    assert pareto.hypervolume(np.array([[0.5, 0.5, 0.5]]), np.ones(3)) == pytest.approx(0.125)


def test_scaled_runs_are_recognised_beside_the_full_one(results, tmp_path):
    """A run with `--scale` is the same experiment (name, variant, task), labelled with its scale."""
    tmp, _ = results
    name = "chars74k_ae_prune"
    kind, bounds, extra = ABLATIONS[name]
    overlay = tmp_path / "tiny.toml"
    overlay.write_text("[search]\nrounds = 30\npopulation = 5\nsample = 2\n")
    toml = tmp_path / f"{name}.toml"
    toml.write_text(f'name = "{name}"\nseed = 3\n{SIMULATED.format(kind=kind, rounds=150, bounds=bounds)}{extra}\n'
                    f'[run]\nresults = "{tmp_path / (name + ".tiny.h5")}"\n')
    subprocess.run([UNAS, "--log-level", "warn", "run", str(toml), "--scale", str(overlay)], check=True, capture_output=True)
    out = tmp_path / "report"
    assert make_report.main([str(tmp / f"{name}.h5"), str(tmp_path), "--out", str(out)]) == 0  # a file and a folder
    text = (out / "report.md").read_text()
    assert f"| {name} | full | Chars74K | AE + pruning [simulated] | 150 |" in text
    assert f"| {name}.tiny | tiny | Chars74K | AE + pruning [simulated] | 30 |" in text
    assert f"unas {name}.tiny #" in (out / "table2.md").read_text()
    csv = pd.read_csv(out / "candidates.csv")
    assert (csv["experiment"] == f"{name}.tiny").sum() == 30 and (csv["scale"] == "tiny").sum() == 30


@pytest.mark.parametrize("bounds", ["peak_memory = 60000\nmodel_size = 40000\nmacs = 20000000",  # nothing within
                                    "peak_memory = 400000\nmodel_size = 400000\nmacs = 200000000"])
def test_retrained_models_from_a_real_unas_retrain(tmp_path, bounds):
    """`unas retrain` on a real (simulated-trainer) search with inheritance: Table 2 shows each of its
    models retrained, with test accuracy as mean ± std over the file's /retrained rows, computed here
    independently, whether models met the bounds (the front is retrained) or not (the nearest and
    the most accurate are)."""
    kind = "chars74k"
    body = SIMULATED.format(kind=kind, rounds=60, bounds=bounds) + "\n[training]\nepochs = 4\ninherited_epochs = 2\n"
    path = run_unas(tmp_path, "chars74k_ae", body.replace("sample = 5", "sample = 5\ninherit_weights = true"))
    subprocess.run([UNAS, "--log-level", "warn", "retrain", str(path), "--seeds", "3"], check=True, capture_output=True)
    out = tmp_path / "report"
    assert make_report.main([str(path), "--out", str(out)]) == 0
    with h5py.File(path, "r") as f:
        retrained = f["retrained"][:]
        candidates = f["candidates"][:]
    assert len(retrained) > 0 and len(retrained) % 3 == 0
    assert (candidates["inherited_from"] >= 0).sum() > 10  # children started from their parents' weights
    rows = [r for r in table_rows((out / "table2.md").read_text()) if r[1].startswith("unas chars74k_ae #")]
    header = [c.strip() for c in (out / "table2.md").read_text().splitlines()[0].strip("|").split("|")]
    column = next(i for i, c in enumerate(header) if c.startswith("Retrained"))
    shown = 0
    for row in rows:
        ident = int(row[1].split("#")[1].split()[0])
        errors = retrained[(retrained["id"] == ident) & (retrained["outcome"] == b"ok")]["test_error"]
        assert len(errors) > 0, f"#{ident} is in Table 2 but was not retrained"
        accuracy = [100 * (1 - e) for e in errors]
        mean = sum(accuracy) / len(accuracy)
        sd = (sum((a - mean) ** 2 for a in accuracy) / (len(accuracy) - 1)) ** 0.5
        assert row[column].startswith(f"{mean:.2f} ± {sd:.2f}"), (row[column], mean, sd)
        shown += 1
    assert shown >= 1
