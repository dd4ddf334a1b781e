"""bench/search_efficiency.py on results files written here with h5py in unas's layout (the
helpers of test_schema_v2), two bounded objectives (error 0.5, model size 1000), so every
hypervolume is a union of rectangles in the unit square, worked out by hand in the comments:
a point (e, s) divided by the bounds is (a, b) = (e / 0.5, s / 1000) and alone has (1 - a)(1 - b)."""
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "bench"))
import search_efficiency as bench  # noqa: E402
import test_schema_v2 as layout  # noqa: E402

TOML = ('name = "fashion_ae"\nscale = "local"\nseed = 0\n[dataset]\nkind = "fashion_mnist"\npath = "unused"\n'
        '[search]\nrounds = 100000\n{search}[bounds]\nerror = 0.5\nmodel_size = 1000\n[training]\nepochs = 9\n'
        'max_macs = 2000000\n')
SEARCH = {"plain": "", "inherit": "inherit_weights = true\n", "stop": "[search.early_stopping]\nrungs = [1, 3]\n",
          "both": "inherit_weights = true\n[search.early_stopping]\nrungs = [1, 3]\n"}


def run(ident, error, size, seconds, finished, outcome="ok", inherited_from=-1):
    """A candidate that took `seconds` of a trainer and finished at `finished` (seconds)."""
    c = layout.candidate(ident, error, size, outcome=outcome, inherited_from=inherited_from,
                         stopped_at=1 if outcome == "stopped" else 0)
    return {**c, "train_seconds": float(seconds), "finished_at": 1.7e9 + finished}


RUNS = {
    # plain, seed 0: (.5,.5) -> .25; failed; + (.2,.8) -> .25 + .8*.2 - .5*.2 = .31; (.9,.9) dominated
    # (rows written out of finishing order: the script orders by finished_at)
    ("plain", 0): [run(1, 0.50, 100, 50, 150, outcome="failed"), run(0, 0.25, 500, 100, 100),
                   run(3, 0.45, 900, 50, 300), run(2, 0.10, 800, 100, 250)],
    # plain, seed 1: (.2,.5) -> .4; an error over the bound; a failed one: cpu 200, 300, 400
    ("plain", 1): [run(0, 0.10, 500, 200, 200), run(1, 0.60, 100, 100, 300), run(2, 0.9, 100, 100, 400, outcome="failed")],
    # inherit, seed 0: (.2,.2) -> .64; + (.4,.1) -> .64 + .6*.9 - .6*.8 = .70
    ("inherit", 0): [run(0, 0.10, 200, 60, 60), run(1, 0.20, 100, 30, 90, inherited_from=0)],
    # inherit, seed 1: (.5,.5) -> .25; (.3,.4) dominates it -> .42
    ("inherit", 1): [run(0, 0.25, 500, 60, 60), run(1, 0.15, 400, 30, 90, inherited_from=0)],
    # stop, seed 0 (seed 1 is missing): (.5,.5) -> .25; stopped (.1,.1) counts nothing; + (.4,.6) -> .29
    ("stop", 0): [run(0, 0.25, 500, 100, 100), run(1, 0.05, 100, 20, 120, outcome="stopped"),
                  run(2, 0.20, 600, 100, 220)],
}
RETRAINED = {
    # plain 0's front is #0 and #2: #0 retrained to (0.35 + 0.25) / 2 = 0.30 (the failed seed does
    # not count), #2 not: {(.6,.5), (.2,.8)} -> .4*.5 + .8*.2 - .4*.2 = .28, one not retrained
    ("plain", 0): [layout.retrain(0, 0, 0.355), layout.retrain(0, 1, 0.255), layout.retrain(0, 2, 1.0, outcome="failed")],
    # plain 1's front is #0, retrained to 0.15: (.3,.5) -> .35; #1 is on no front
    ("plain", 1): [layout.retrain(0, 0, 0.155), layout.retrain(1, 0, 0.2)],
}


def write_runs(folder: Path, runs=RUNS, search=SEARCH, toml=TOML):
    folder.mkdir(parents=True, exist_ok=True)
    for (variant, seed), candidates in runs.items():
        layout.write_results(folder / f"{variant}.seed{seed}.h5", "fashion_ae", candidates,
                             retrained=RETRAINED.get((variant, seed), ()), toml=toml.format(search=search[variant]))
    return folder


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("efficiency")
    runs = write_runs(tmp / "runs")
    (runs / "plain.seed0.h5.done").write_text("")  # the shell script's markers are not runs
    (runs / "plain.seed0.h5.log").write_text("log")
    return runs, tmp / "out"


@pytest.fixture(scope="module")
def summary(outputs):
    runs, out = outputs
    assert bench.main(["--runs", str(runs), "--out", str(out)]) == 0
    return pd.read_csv(out / "summary.csv").set_index("variant")


def test_efficiency_csv_has_a_step_per_candidate(outputs, summary):
    _, out = outputs
    rows = pd.read_csv(out / "efficiency.csv")
    assert list(rows.columns[:4]) == ["variant", "seed", "cpu_seconds", "hypervolume"]
    plain0 = rows[(rows["variant"] == "plain") & (rows["seed"] == 0)]
    assert list(plain0["id"]) == [0, 1, 2, 3]  # finishing order, not file order
    assert list(plain0["cpu_seconds"]) == [100, 150, 250, 300]
    assert plain0["hypervolume"].tolist() == pytest.approx([0.25, 0.25, 0.31, 0.31])
    stop0 = rows[rows["variant"] == "stop"]
    assert list(stop0["outcome"]) == ["ok", "stopped", "ok"]
    assert stop0["hypervolume"].tolist() == pytest.approx([0.25, 0.25, 0.29])  # the stopped one adds nothing
    assert len(rows) == sum(len(c) for c in RUNS.values())


def test_summary_values(summary):
    assert list(summary.index) == ["plain", "inherit", "stop"]
    plain, inherit, stop = summary.loc["plain"], summary.loc["inherit"], summary.loc["stop"]
    assert plain["search_hv_mean"] == pytest.approx((0.31 + 0.4) / 2)
    assert plain["search_hv_sd"] == pytest.approx(abs(0.31 - 0.4) / math.sqrt(2))
    assert inherit["search_hv_mean"] == pytest.approx((0.70 + 0.42) / 2)
    assert stop["search_hv_mean"] == pytest.approx(0.29) and math.isnan(stop["search_hv_sd"])  # one seed
    assert (plain["runs"], plain["candidates"], plain["failed"], plain["stopped"], plain["inherited"]) == (2, 7, 2, 0, 0)
    assert (inherit["candidates"], inherit["inherited"], stop["stopped"], stop["runs"]) == (4, 2, 1, 1)
    assert plain["cpu_hours_per_run"] == pytest.approx((300 + 400) / 2 / 3600)
    assert plain["cpu_hours_total"] == pytest.approx(700 / 3600)


def test_retrained_hypervolume(summary, outputs):
    plain, inherit, stop = summary.loc["plain"], summary.loc["inherit"], summary.loc["stop"]
    assert plain["retrained_hv_mean"] == pytest.approx((0.28 + 0.35) / 2)
    assert plain["retrained_hv_sd"] == pytest.approx(abs(0.28 - 0.35) / math.sqrt(2))
    assert (plain["front_models"], plain["not_retrained"]) == (3, 1)
    # nothing retrained: the search errors stand, and every front model is counted
    assert inherit["retrained_hv_mean"] == pytest.approx(inherit["search_hv_mean"])
    assert (inherit["front_models"], inherit["not_retrained"]) == (3, 3)
    assert (stop["front_models"], stop["not_retrained"]) == (2, 2)
    runs = pd.read_csv(outputs[1] / "runs.csv").set_index(["variant", "seed"])
    assert runs.loc[("plain", 0), "retrained_hv"] == pytest.approx(0.28)
    assert runs.loc[("plain", 1), "retrained_hv"] == pytest.approx(0.35)


def test_compute_ratio(summary):
    """Plain's seed mean reaches its final (.31 + .4) / 2 = .355 at 250 CPU-s (seed 0's .31 there);
    inherit's mean is (.64 + .25) / 2 = .445 >= .355 already at 60; stop never gets there.
    Plain's total compute is its longest run, 400 CPU-s."""
    assert summary.loc["plain", "cpu_seconds_to_plain_final"] == 250
    assert summary.loc["plain", "compute_ratio"] == pytest.approx(400 / 250)
    assert summary.loc["inherit", "cpu_seconds_to_plain_final"] == 60
    assert summary.loc["inherit", "compute_ratio"] == pytest.approx(400 / 60)
    # the stricter figure: against plain's own first reach of its final, 250 CPU-s
    assert summary.loc["plain", "reach_ratio"] == pytest.approx(1.0)
    assert summary.loc["inherit", "reach_ratio"] == pytest.approx(250 / 60)
    assert math.isnan(summary.loc["stop", "reach_ratio"])
    assert math.isnan(summary.loc["stop", "cpu_seconds_to_plain_final"]) and math.isnan(summary.loc["stop", "compute_ratio"])


def test_plots_and_printed_table(outputs, capsys):
    runs, out = outputs
    assert bench.main(["--runs", str(runs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("efficiency.png", "efficiency.pdf"):
        assert (out / name).stat().st_size > 1000
    lines = [line for line in printed.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {r[0]: dict(zip(header, r)) for r in ([c.strip() for c in line.strip("|").split("|")] for line in lines[2:])}
    assert rows["plain (aging evolution)"]["search HV"] == f"0.3550 ± {abs(0.31 - 0.4) / math.sqrt(2):.4f}"
    assert rows["plain (aging evolution)"]["compute ratio"] == "1.60"
    assert rows["inherit (+ weight inheritance)"]["compute ratio"] == "6.67"
    assert (rows["plain (aging evolution)"]["reach ratio"], rows["inherit (+ weight inheritance)"]["reach ratio"]) == ("1.00", "4.17")
    assert rows["stop (+ early stopping)"]["CPU h to plain's final"] == "never"
    assert rows["stop (+ early stopping)"]["search HV"] == "0.2900"
    assert rows["plain (aging evolution)"]["front (not retrained)"] == "3 (1)"
    # what is missing is said, and is not fatal
    assert "- missing: stop, seeds 1, 2" in printed and "- missing: plain, seed 2" in printed and "- missing: both, every seed (no both.seed*.h5)" in printed
    assert "Budget: none" in printed and "# Search efficiency: fashion_ae.local" in printed


def test_budget_cuts_every_run(outputs, tmp_path):
    """At 200 CPU-s: plain 0 keeps #0 and #1 (.25, 150 CPU-s), plain 1 its #0 (.4, 200), stop 0
    its first two (.25); the target is .325, reached by plain at 200 and by inherit at 60."""
    runs, _ = outputs
    out = tmp_path / "budget"
    assert bench.main(["--runs", str(runs), "--out", str(out), "--budget-hours", str(200 / 3600)]) == 0
    s = pd.read_csv(out / "summary.csv").set_index("variant")
    assert s.loc["plain", "search_hv_mean"] == pytest.approx(0.325)
    assert s.loc["plain", "candidates"] == 3 and s.loc["stop", "candidates"] == 2
    assert s.loc["plain", "compute_ratio"] == pytest.approx(1.0)
    assert s.loc["inherit", "compute_ratio"] == pytest.approx(200 / 60)
    assert math.isnan(s.loc["stop", "compute_ratio"])
    # the retrained front is the front within the budget: plain 0's is #0 alone, retrained to .30
    r = pd.read_csv(out / "runs.csv").set_index(["variant", "seed"])
    assert r.loc[("plain", 0), "retrained_hv"] == pytest.approx(0.4 * 0.5)
    assert r.loc[("plain", 0), "cpu_seconds"] == 150
    assert pd.read_csv(out / "efficiency.csv")["cpu_seconds"].max() <= 200


def test_common_budget_is_the_shortest_run(outputs, tmp_path, capsys):
    """The inherit runs used 90 CPU-s, the least: every run is cut there, and plain, which had
    nothing within the bounds by then, leaves nothing to reach."""
    runs, _ = outputs
    out = tmp_path / "common"
    assert bench.main(["--runs", str(runs), "--out", str(out), "--budget-hours", "common"]) == 0
    printed = capsys.readouterr().out
    assert "Budget: 0.025 trainer CPU-hours per run (what the shortest run reached)." in printed
    r = pd.read_csv(out / "runs.csv").set_index(["variant", "seed"])
    assert r["cpu_seconds"].max() == 90 and r.loc[("plain", 0), "candidates"] == 0
    assert r.loc[("inherit", 0), "search_hv"] == pytest.approx(0.70)
    assert "- plain found no model within the bounds (hypervolume 0)" in printed


def test_macs_bound_capped_by_max_macs(tmp_path):
    """error 0.5 and MACs 4 M, max_macs 2 M: (0.25, 1 M MACs) is (.5, .5) of the capped bounds,
    .25, not the .375 of (.5, .25)."""
    toml = TOML.replace("model_size = 1000", "macs = 4000000")
    candidates = [{**run(0, 0.25, 500, 100, 100), "macs": 1_000_000, "macs_pruned": 1_000_000}]
    folder = write_runs(tmp_path / "runs", runs={("plain", 0): candidates}, toml=toml)
    assert bench.main(["--runs", str(folder), "--out", str(tmp_path / "out"), "--seeds", "0"]) == 0
    s = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("variant")
    assert s.loc["plain", "search_hv_mean"] == pytest.approx(0.25)
    assert s.loc["plain", "compute_ratio"] == pytest.approx(1.0)


def test_odd_files_and_no_plain(tmp_path, capsys):
    folder = write_runs(tmp_path / "runs", runs={("both", 0): RUNS[("inherit", 0)]})
    (folder / "both.seed1.h5").write_bytes(b"not hdf5")
    (folder / "fancy.seed0.h5").write_bytes(b"")
    assert bench.main(["--runs", str(folder), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "- unreadable: both.seed1.h5" in printed and "- ignored fancy.seed0.h5" in printed
    assert "- no plain run: no compute ratio" in printed and "- missing: plain, every seed" in printed
    assert "| both (+ inheritance + early stopping) | 1 (seed 0) | 0.7000 | 0.7000 |" in printed
    assert printed.split("| both ")[1].split("\n")[0].endswith("| – | – |")  # nothing to reach, not "never"
    s = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("variant")
    assert s.loc["both", "search_hv_mean"] == pytest.approx(0.70) and math.isnan(s.loc["both", "compute_ratio"])
    assert (tmp_path / "out" / "efficiency.png").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert bench.main(["--runs", str(empty), "--out", str(tmp_path / "out2")]) == 2


def test_plain_without_a_model_within_bounds(tmp_path, capsys):
    folder = write_runs(tmp_path / "runs", runs={("plain", 0): [run(0, 0.9, 500, 100, 100)], ("stop", 0): RUNS[("stop", 0)]})
    assert bench.main(["--runs", str(folder), "--out", str(tmp_path / "out"), "--seeds", "0"]) == 0
    printed = capsys.readouterr().out
    assert "- plain found no model within the bounds (hypervolume 0): nothing to reach" in printed
    s = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("variant")
    assert s.loc["plain", "search_hv_mean"] == 0 and math.isnan(s.loc["stop", "compute_ratio"])


def test_relaxed_bounds_multiply_every_bound(tmp_path, capsys):
    """Bounds times 2, error 1 and model size 2000: plain's (0.9, 500) is (.9, .25) -> .075;
    stop seed 0's (.25, .25), (.2, .3) -> .5625 + .8*.7 - .75*.7 = .5975."""
    folder = write_runs(tmp_path / "runs", runs={("plain", 0): [run(0, 0.9, 500, 100, 100)], ("stop", 0): RUNS[("stop", 0)]})
    assert bench.main(["--runs", str(folder), "--out", str(tmp_path / "out"), "--seeds", "0", "--relax-bounds", "2"]) == 0
    assert "Bounds: the experiment's times 2" in capsys.readouterr().out
    s = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("variant")
    assert s.loc["plain", "search_hv_mean"] == pytest.approx(0.075)
    assert s.loc["stop", "search_hv_mean"] == pytest.approx(0.5975)
    with pytest.raises(SystemExit):
        bench.main(["--runs", str(folder), "--out", str(tmp_path / "out"), "--relax-bounds", "0"])


def test_relaxed_macs_bound_stays_capped_by_max_macs(tmp_path):
    """MACs bound 1.5 M times 2 is 3 M, capped at max_macs 2 M: (0.25 error, 1 M MACs) with error
    bound 1 is (.25, .5) -> .375."""
    toml = TOML.replace("model_size = 1000", "macs = 1500000")
    candidates = [{**run(0, 0.25, 500, 100, 100), "macs": 1_000_000, "macs_pruned": 1_000_000}]
    folder = write_runs(tmp_path / "runs", runs={("plain", 0): candidates}, toml=toml)
    assert bench.main(["--runs", str(folder), "--out", str(tmp_path / "out"), "--seeds", "0", "--relax-bounds", "2"]) == 0
    assert pd.read_csv(tmp_path / "out" / "summary.csv").set_index("variant").loc["plain", "search_hv_mean"] == pytest.approx(0.375)


def test_seed_curve_holds_a_finished_run_at_its_last_value():
    steps = pd.DataFrame({"id": [0, 1], "outcome": ["ok", "ok"], "cpu_seconds": [10.0, 20.0], "hypervolume": [0.1, 0.3]})
    r = bench.Run("plain", 0, Path("x"), steps, 0.3, 0.3, 1, 0, 2, 0, 0, 0)
    assert bench.at(r, np.array([0, 9.9, 10, 15, 20, 1000])).tolist() == [0, 0, 0.1, 0.1, 0.3, 0.3]
    empty = bench.Run("plain", 1, Path("y"), steps.iloc[:0], 0.0, 0.0, 0, 0, 0, 0, 0, 0)
    assert bench.at(empty, np.array([0.0, 5.0])).tolist() == [0, 0]
    mean, low, high = bench.seed_curve([r, empty], np.array([0.0, 10, 20]))
    assert mean.tolist() == pytest.approx([0, 0.05, 0.15]) and low.tolist() == [0, 0, 0] and high.tolist() == [0, 0.1, 0.3]
