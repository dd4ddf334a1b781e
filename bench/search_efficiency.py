#!/usr/bin/python3
"""Search efficiency at equal compute: the analysis half of bench/search_efficiency.sh.

    /usr/bin/python3 bench/search_efficiency.py --runs DIR --out OUTDIR [--budget-hours H|common] [--seeds 0,1,2]
                                                [--relax-bounds F]

DIR holds one results file per run, `<variant>.seed<k>.h5`, variant one of plain (aging evolution
as the paper runs it), inherit (+ weight inheritance), stop (+ early stopping), both; each run's
front retrained afterwards (`unas retrain`, rows in /retrained). A run's compute is its trainers'
CPU-seconds: the cumulative `train_seconds` of its candidates in the order they finished, failed
and stopped ones included (they took a trainer as long as they ran). With --budget-hours a run is
cut at that many CPU-hours (a candidate that finished past it is left out); `common` cuts every
run at the compute the shortest one reached, so that all are compared over the same compute.

After each candidate: the hypervolume of the front of the ok candidates so far, over the
experiment's bounded objectives, each divided by its bound (MACs also capped by `[training]
max_macs`), reference point 1 everywhere, so only models within every bound count (the report's
hypervolume over rounds, figures.hypervolume_after_each, with those bounds). The retrained
hypervolume: the final front's models with their search error replaced by the mean validation
error of their ok retrained seeds; models not retrained keep their search error (counted). The
compute ratio of a variant: plain's compute (its longest run) over the CPU-seconds at which the
variant's seed-mean hypervolume first reaches plain's final seed-mean search hypervolume; the
reach ratio, stricter, has plain's own first reach of that hypervolume in place of its longest run.
--relax-bounds F multiplies every bound by F (MACs still capped by max_macs: nothing over it is
trained), in every run alike: a view of the same runs when a short search at a small scale reaches
nothing within the paper's bounds, so that every hypervolume is 0.

Writes into OUTDIR: efficiency.csv (variant, seed, cpu_seconds, hypervolume, id, outcome: a row per
candidate), runs.csv (a row per run), summary.csv (a row per variant), efficiency.png and .pdf
(seed-mean hypervolume against CPU-hours, a band from the lowest to the highest seed), and prints
the summary as a Markdown table. Missing or unreadable files are reported, not fatal.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from unas_analysis import figures, tables  # noqa: E402
from unas_analysis.pareto import hypervolume, pareto_mask  # noqa: E402
from unas_analysis.results import Experiment, load, retrained_error  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402  (figures has chosen the Agg backend)

VARIANTS = ["plain", "inherit", "stop", "both"]
LABELS = {"plain": "aging evolution", "inherit": "+ weight inheritance", "stop": "+ early stopping",
          "both": "+ inheritance + early stopping"}
STYLES = {"plain": ("tab:blue", "-"), "inherit": ("tab:green", "--"), "stop": ("tab:orange", "-."),
          "both": ("tab:red", ":")}
FILE_NAME = re.compile(r"^(?P<variant>[A-Za-z0-9_-]+)\.seed(?P<seed>\d+)\.h5$")
TOLERANCE = 1e-12  # "reaches": a mean of the same finals in another order may differ in the last bit


@dataclass
class Run:
    variant: str
    seed: int
    path: Path
    steps: pd.DataFrame     # per candidate, in finishing order: id, outcome, cpu_seconds, hypervolume
    search_hv: float        # after the last candidate within the budget
    retrained_hv: float
    front: int              # models on the final front (within bounds)
    not_retrained: int      # of them, without an ok retrained seed: their search error counts
    candidates: int
    failed: int
    stopped: int
    inherited: int

    @property
    def cpu_seconds(self) -> float:
        return float(self.steps["cpu_seconds"].iloc[-1]) if len(self.steps) else 0.0


def find_runs(folder: Path, seeds: list[int]) -> tuple[dict[tuple[str, int], Path], list[str]]:
    """The files of every variant and seed, and what is odd: a variant or seed without its file
    (the expected seeds are --seeds and any other seed a file has), a file named otherwise."""
    found, notes = {}, []
    for path in sorted(folder.glob("*.h5")):
        m = FILE_NAME.match(path.name)
        if not m or m["variant"] not in VARIANTS:
            notes.append(f"ignored {path.name}: not <variant>.seed<k>.h5 with variant one of {', '.join(VARIANTS)}")
            continue
        found[(m["variant"], int(m["seed"]))] = path
    expected = sorted(set(seeds) | {s for _, s in found})
    for v in VARIANTS:
        gone = [s for s in expected if (v, s) not in found]
        if len(gone) == len(expected):
            notes.append(f"missing: {v}, every seed (no {v}.seed*.h5)")
        elif gone:
            notes.append(f"missing: {v}, seed{'s' if len(gone) > 1 else ''} {', '.join(map(str, gone))}")
    return found, notes


def budgeted(e: Experiment, budget_seconds: float | None) -> pd.DataFrame:
    """The candidates in the order they finished, with their trainers' cumulative CPU-seconds,
    cut at the budget."""
    frame = e.candidates.sort_values("finished_at", kind="stable").reset_index(drop=True)
    frame["cpu_seconds"] = frame["train_seconds"].astype(float).cumsum()
    if budget_seconds is not None:
        frame = frame[frame["cpu_seconds"] <= budget_seconds].copy()
    return frame


def _bounded(bounds: dict) -> tuple[list[str], np.ndarray]:
    columns = [o for o, b in bounds.items() if b is not None]
    return columns, np.array([bounds[c] for c in columns], dtype=float)


def final_front(frame: pd.DataFrame, bounds: dict) -> pd.DataFrame:
    """The ok candidates within every bound that no other of them dominates: the models whose
    volume the search hypervolume measures, and those `unas retrain` trains again."""
    columns, scale = _bounded(bounds)
    ok = frame[frame["outcome"] == "ok"]
    within = ok[np.all(ok[columns].to_numpy(dtype=float) <= scale, axis=1)] if columns else ok.iloc[:0]
    return within[pareto_mask(within[columns].to_numpy(dtype=float))] if len(within) else within


def retrained_hypervolume(e: Experiment, front: pd.DataFrame, bounds: dict) -> tuple[float, int]:
    """The hypervolume of the front with each model's error replaced by its mean retrained
    validation error, and how many of its models had no ok retrained seed (they keep their search
    error). A retrained error over the bound takes the model's volume away, as it should."""
    columns, scale = _bounded(bounds)
    if front.empty:
        return 0.0, 0
    retrained = retrained_error(e)
    points = front[columns].astype(float).copy()
    points["error"] = front["id"].map(retrained).fillna(front["error"]).astype(float)
    missing = int((~front["id"].isin(retrained.index)).sum())
    return hypervolume(points.to_numpy() / scale, np.ones(len(columns))), missing


def relaxed_bounds(e: Experiment, factor: float) -> dict:
    """Every bound times the factor, a MACs bound capped by max_macs again."""
    bounds = {o: None if b is None else b * factor for o, b in e.bounds.items()}
    if bounds["macs"] is not None and e.max_macs > 0:
        bounds["macs"] = min(bounds["macs"], e.max_macs)
    return bounds


def analyse(e: Experiment, variant: str, seed: int, budget_seconds: float | None, relax: float = 1.0) -> Run:
    bounds = relaxed_bounds(e, relax)
    frame = budgeted(e, budget_seconds)
    frame["hypervolume"] = figures.hypervolume_after_each(e, frame, bounds)
    front = final_front(frame, bounds)
    retrained, missing = retrained_hypervolume(e, front, bounds)
    return Run(variant=variant, seed=seed, path=e.path,
               steps=frame[["id", "outcome", "cpu_seconds", "hypervolume"]].reset_index(drop=True),
               search_hv=float(frame["hypervolume"].iloc[-1]) if len(frame) else 0.0, retrained_hv=retrained,
               front=len(front), not_retrained=missing, candidates=len(frame),
               failed=int((frame["outcome"] == "failed").sum()), stopped=int((frame["outcome"] == "stopped").sum()),
               inherited=int((frame["inherited_from"] >= 0).sum()))


def at(run: Run, grid: np.ndarray) -> np.ndarray:
    """The run's hypervolume as a step function of CPU-seconds, at each grid point: that after the
    last candidate finished by then, 0 before the first. After the run's end it holds its last
    value: hypervolume never falls as a search goes on, so a held value is a lower bound on what
    a longer run would have reached, and a seed mean built from it reaches a level no earlier."""
    cpu, hv = run.steps["cpu_seconds"].to_numpy(), run.steps["hypervolume"].to_numpy()
    k = np.searchsorted(cpu, grid, side="right") - 1
    return np.where(k >= 0, hv[np.clip(k, 0, None)] if len(hv) else 0.0, 0.0)


def grid_of(runs: list[Run]) -> np.ndarray:
    """Every CPU-second at which one of the runs' hypervolumes may change, and 0: the step
    functions are exact on it, so a curve's first reach of a level is one of these points."""
    return np.unique(np.concatenate([[0.0]] + [r.steps["cpu_seconds"].to_numpy(dtype=float) for r in runs]))


def seed_curve(runs: list[Run], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mean, lowest and highest hypervolume over the runs (seeds), at each grid point."""
    values = np.array([at(r, grid) for r in runs])
    return values.mean(axis=0), values.min(axis=0), values.max(axis=0)


def first_reach(grid: np.ndarray, curve: np.ndarray, target: float) -> float:
    """The first grid point where the curve reaches the target, NaN if it never does (or the
    target is 0, which every curve has from the start: nothing to reach)."""
    if not target > 0:
        return math.nan
    hit = np.nonzero(curve >= target - TOLERANCE)[0]
    return float(grid[hit[0]]) if len(hit) else math.nan


def _sd(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _ratio(plain_seconds: float, variant_seconds: float) -> float:
    return plain_seconds / variant_seconds if variant_seconds > 0 else math.inf if variant_seconds == 0 else math.nan


def summarise(runs: list[Run]) -> pd.DataFrame:
    """A row per variant; `cpu_seconds_to_plain_final` is where the variant's seed-mean curve
    first reaches plain AE's final seed-mean search hypervolume, and `compute_ratio` is plain's
    total compute over that: how many times less compute the variant needs for what plain AE
    ends with. Plain's total is the extent of its seed-mean curve, its longest run (with a
    budget: at most the budget), since only there does that curve reach its final value; so
    plain's own ratio is 1, or above when its mean stopped improving before the end.
    `reach_ratio` is the stricter figure: plain's own first reach of its final over the
    variant's, so that a plain search that stopped improving early earns the variant nothing
    (plain's is 1 by definition)."""
    by_variant = {v: [r for r in runs if r.variant == v] for v in VARIANTS}
    grid = grid_of(runs)
    plain = by_variant["plain"]
    target = float(np.mean([r.search_hv for r in plain])) if plain else math.nan
    plain_cpu = max(r.cpu_seconds for r in plain) if plain else math.nan
    plain_reach = first_reach(grid, seed_curve(plain, grid)[0], target) if plain else math.nan
    rows = []
    for v, rs in by_variant.items():
        if not rs:
            continue
        reach = first_reach(grid, seed_curve(rs, grid)[0], target) if plain else math.nan
        rows.append({
            "variant": v, "runs": len(rs), "seeds": ",".join(str(r.seed) for r in rs),
            "search_hv_mean": float(np.mean([r.search_hv for r in rs])), "search_hv_sd": _sd([r.search_hv for r in rs]),
            "retrained_hv_mean": float(np.mean([r.retrained_hv for r in rs])),
            "retrained_hv_sd": _sd([r.retrained_hv for r in rs]),
            "cpu_hours_per_run": float(np.mean([r.cpu_seconds for r in rs])) / 3600,
            "cpu_hours_total": sum(r.cpu_seconds for r in rs) / 3600,
            "candidates": sum(r.candidates for r in rs), "failed": sum(r.failed for r in rs),
            "stopped": sum(r.stopped for r in rs), "inherited": sum(r.inherited for r in rs),
            "front_models": sum(r.front for r in rs), "not_retrained": sum(r.not_retrained for r in rs),
            "cpu_seconds_to_plain_final": reach,
            "compute_ratio": _ratio(plain_cpu, reach),
            "reach_ratio": _ratio(plain_reach, reach),
        })
    return pd.DataFrame(rows)


def _mean_sd(mean: float, sd: float) -> str:
    return f"{mean:.4f}" if math.isnan(sd) else f"{mean:.4f} ± {sd:.4f}"


def markdown(summary: pd.DataFrame) -> str:
    """The summary as a Markdown table (tables.markdown: tabulate is not at hand). "never": the
    variant's mean did not reach plain's final; "–": there was nothing to reach (no plain run, or
    plain found no model within the bounds)."""
    plain = summary[summary["variant"] == "plain"]
    target = float(plain["search_hv_mean"].iloc[0]) if len(plain) else 0.0
    rows = [{
        "variant": f"{r['variant']} ({LABELS[r['variant']]})", "runs": f"{r['runs']} (seed{'s' if r['runs'] > 1 else ''} {r['seeds']})",
        "search HV": _mean_sd(r["search_hv_mean"], r["search_hv_sd"]),
        "retrained HV": _mean_sd(r["retrained_hv_mean"], r["retrained_hv_sd"]),
        "CPU h per run": f"{r['cpu_hours_per_run']:.2f}", "candidates": r["candidates"], "failed": r["failed"],
        "stopped": r["stopped"], "inherited": r["inherited"],
        "front (not retrained)": f"{r['front_models']} ({r['not_retrained']})",
        "CPU h to plain's final": "–" if not target > 0 else "never" if math.isnan(r["cpu_seconds_to_plain_final"])
        else f"{r['cpu_seconds_to_plain_final'] / 3600:.2f}",
        "compute ratio": "–" if math.isnan(r["compute_ratio"]) else f"{r['compute_ratio']:.2f}",
        "reach ratio": "–" if math.isnan(r["reach_ratio"]) else f"{r['reach_ratio']:.2f}",
    } for _, r in summary.iterrows()]
    columns = ["variant", "runs", "search HV", "retrained HV", "CPU h per run", "candidates", "failed", "stopped",
               "inherited", "front (not retrained)", "CPU h to plain's final", "compute ratio", "reach ratio"]
    return tables.markdown(rows, columns)


def plot(runs: list[Run], stem: Path, budget_seconds: float | None) -> list[Path]:
    """Seed-mean hypervolume against CPU-hours per variant, the band from the lowest to the
    highest seed, each variant drawn up to its longest run; plain AE's final mean dotted."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for v in VARIANTS:
        rs = [r for r in runs if r.variant == v]
        if not rs:
            continue
        grid = grid_of(rs)
        mean, low, high = seed_curve(rs, grid)
        colour, line = STYLES[v]
        ax.step(grid / 3600, mean, where="post", color=colour, linestyle=line, linewidth=1.8,
                label=f"{LABELS[v]} ({len(rs)} seed{'s' if len(rs) > 1 else ''})")
        ax.fill_between(grid / 3600, low, high, step="post", color=colour, alpha=0.15, linewidth=0)
    plain = [r for r in runs if r.variant == "plain"]
    if plain:
        ax.axhline(np.mean([r.search_hv for r in plain]), color="grey", linestyle=":", linewidth=1,
                   label="aging evolution, final mean")
    if budget_seconds is not None:
        ax.axvline(budget_seconds / 3600, color="black", linestyle="--", linewidth=0.8, label="budget")
    ax.set_xlabel("trainer CPU-hours")
    ax.set_ylabel("hypervolume (objectives / bounds)")
    ax.set_title("Search efficiency: mean over seeds, band min..max")
    ax.legend(fontsize=7)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    for p in paths:
        fig.savefig(p, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return paths


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def budget_hours(text: str) -> str | float:
    return text if text == "common" else positive(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Hypervolume against compute of the search-efficiency runs.")
    parser.add_argument("--runs", required=True, help="folder of <variant>.seed<k>.h5 results files")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--budget-hours", type=budget_hours, default=None,
                        help="cut each run at this many trainer CPU-hours, or 'common': at what the shortest run reached")
    parser.add_argument("--seeds", default="0,1,2", help="seeds every variant should have (default 0,1,2)")
    parser.add_argument("--relax-bounds", type=positive, default=1.0, metavar="F",
                        help="multiply every bound by F (MACs still capped by max_macs), in every run")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    found, notes = find_runs(Path(args.runs), [int(s) for s in args.seeds.split(",") if s.strip()])
    loaded = []
    for (variant, seed), path in sorted(found.items(), key=lambda kv: (VARIANTS.index(kv[0][0]), kv[0][1])):
        try:
            loaded.append((variant, seed, load(path)))
        except Exception as error:  # a corrupt or foreign file is reported, not fatal
            notes.append(f"unreadable: {path.name}: {error}")
    if args.budget_hours is None:
        budget = None
    elif args.budget_hours == "common":
        budget = min((float(e.candidates["train_seconds"].sum()) for _, _, e in loaded), default=None)
    else:
        budget = args.budget_hours * 3600
    runs = [analyse(e, variant, seed, budget, args.relax_bounds) for variant, seed, e in loaded]
    names = {e.label for _, _, e in loaded}
    if len(names) > 1:
        notes.append(f"the runs are of different experiments: {', '.join(sorted(names))}")
    if not runs:
        print(f"search_efficiency: no readable runs in {args.runs}", file=sys.stderr)
        for n in notes:
            print(f"search_efficiency: {n}", file=sys.stderr)
        return 2
    plain = [r for r in runs if r.variant == "plain"]
    if not plain:
        notes.append("no plain run: no compute ratio")
    elif not np.mean([r.search_hv for r in plain]) > 0:
        notes.append("plain found no model within the bounds (hypervolume 0): nothing to reach, no compute ratio")

    pd.DataFrame([{"variant": r.variant, "seed": r.seed, "cpu_seconds": c, "hypervolume": h, "id": i, "outcome": o}
                  for r in runs for i, o, c, h in r.steps.itertuples(index=False)],
                 columns=["variant", "seed", "cpu_seconds", "hypervolume", "id", "outcome"]).to_csv(
        out / "efficiency.csv", index=False)
    pd.DataFrame([{"variant": r.variant, "seed": r.seed, "file": r.path.name, "candidates": r.candidates,
                   "failed": r.failed, "stopped": r.stopped, "inherited": r.inherited, "cpu_seconds": r.cpu_seconds,
                   "search_hv": r.search_hv, "retrained_hv": r.retrained_hv, "front_models": r.front,
                   "not_retrained": r.not_retrained} for r in runs]).to_csv(out / "runs.csv", index=False)
    summary = summarise(runs)
    summary.to_csv(out / "summary.csv", index=False)
    plot(runs, out / "efficiency", budget)

    print(f"# Search efficiency: {', '.join(sorted(names))}\n")
    print("Budget: none (each run's whole search).\n" if budget is None else
          f"Budget: {budget / 3600:.4g} trainer CPU-hours per run"
          + (" (what the shortest run reached).\n" if args.budget_hours == "common" else ".\n"))
    if args.relax_bounds != 1:
        print(f"Bounds: the experiment's times {args.relax_bounds:g} (MACs still capped by max_macs), in every run.\n")
    print(markdown(summary))
    print("HV: hypervolume of the front of the ok models within every bound (MACs also capped by max_macs), "
          "objectives divided by their bounds, reference 1; mean ± sd over seeds. Retrained HV: the same front with "
          "each model's mean retrained validation error (models not retrained keep their search error). "
          "Compute ratio: plain's CPU-seconds (its longest run) over those at which the variant's seed-mean curve "
          "first reaches plain's final mean search HV; a curve holds a run's last value after the run ended. "
          "Reach ratio: the same with plain's own first reach of that HV in place of its longest run (plain: 1).\n")
    if notes:
        print("Notes:\n\n" + "\n".join(f"- {n}" for n in notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
