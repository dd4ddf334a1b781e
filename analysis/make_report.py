#!/usr/bin/python3
"""Regenerates the paper's Table 2, Table 4, Fig. 3 and Fig. 4 from unas results files.

usage: analysis/make_report.py results/*.h5 [--out results/report/]

Writes candidates.csv (every candidate of every experiment, with its weight-inheritance and
early-stopping columns: stopped_at_epoch, redraws, stop_rungs),
retrained.csv (every `unas retrain` row), exports.csv (every `unas export` row), fronts.csv (each experiment's
fronts of error vs model size, PMU and MACs over the models within its bounds), table2/table4
(.md and .tex),
fig3_<task>, fig4 and hypervolume figures (.png and .pdf), hypervolume.csv, utilisation.csv and a
Gantt chart of each experiment's trainers (gantt_<experiment>.png/.pdf), and report.md,
which embeds them all. Works with any subset of the experiments (it says what is missing), and
on results files that are still being written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from unas_analysis import figures, tables, utilisation  # noqa: E402
from unas_analysis.pareto import pareto_mask  # noqa: E402
from unas_analysis.results import load  # noqa: E402
from unas_analysis.variants import variant  # noqa: E402


def inputs(paths: list[str]) -> list[Path]:
    files = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.h5")) if p.is_dir() else [p]
    return files


def epoch_counts(epochs: pd.Series) -> str:
    """How many candidates trained for how many epochs, "12: 30, 3: 20", most epochs first: with
    weight inheritance a child trains a shortened schedule, and this shows how often."""
    counts = epochs.value_counts().sort_index(ascending=False)
    return ", ".join(f"{int(k)}: {int(v)}" for k, v in counts.items()) or "–"


def inheritance_section(experiments) -> list[str]:
    """Per experiment, how much of the search started from a parent's weights, where early
    stopping cut candidates short, and how much of the front `unas retrain` has retrained: what
    to keep in mind before comparing search-time errors."""
    lines = ["## Weight inheritance and retraining", "",
             "Search-time errors of candidates that inherited weights come from a shortened schedule; those of "
             "candidates stopped early are where their training stopped (never a found model or on a front); "
             "retrained rows are front models trained again from scratch on the full schedule (`unas retrain`).", "",
             "| experiment | schema | inherited weights | mean inherited fraction | epochs trained: candidates "
             "| early-stopping rungs | stopped at epoch: candidates | retrained rows | retrained ok | retrained models |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for e in experiments:
        c, r = e.candidates, e.retrained
        inherited = c[c["inherited_from"] >= 0]
        fraction = f"{inherited['inherited_fraction'].mean():.3f}" if len(inherited) else "–"
        rungs = ", ".join(str(k) for k in e.early_stopping_rungs) or "–"
        stopped = epoch_counts(c.loc[c["outcome"] == "stopped", "stopped_at_epoch"])
        lines.append(f"| {e.label} | {e.schema_version} | {len(inherited)} of {len(c)} | {fraction} "
                     f"| {epoch_counts(c['epochs_trained'])} | {rungs} | {stopped} | {len(r)} "
                     f"| {int((r['outcome'] == 'ok').sum())} | {r['id'].nunique()} |")
    return lines + [""]


def summary_section(experiments) -> list[str]:
    """One row per experiment: how its candidates ended (ok, failed, stopped early: every one
    took a round) and how many networks over max_macs the search drew again (they took none)."""
    lines = ["| experiment | scale | task | variant | finished | ok | failed | stopped | of rounds | redraws |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for e in experiments:
        lines.append(f"| {e.label} | {e.scale or 'full'} | {e.task} | {variant(e)} | {len(e.candidates)} | {e.count('ok')} "
                     f"| {e.count('failed')} | {e.count('stopped')} | {e.rounds} | {e.redraws} |")
    return lines


def utilisation_section(experiments, out: Path) -> list[str]:
    """Per experiment, where its allocation went (unas_analysis/utilisation.py): sessions and the
    gaps between them, trainer utilisation, candidates per device-hour, and its Gantt chart."""
    lines = ["## Utilisation of the trainers", "",
             "Busy: a trainer held a candidate that was recorded; allocated: the sessions' durations times their "
             "trainers (gaps between sessions, e.g. queued after a requeue, are not allocated).", "",
             "| experiment | sessions | gaps h | trainers | allocated trainer-h | busy h | utilisation | devices "
             "| candidates per device-h |", "|---|---|---|---|---|---|---|---|---|"]
    rows, charts = [], []
    for e in experiments:
        if e.candidates.empty:
            continue
        u = utilisation.utilisation(e)
        rows.append({"experiment": e.label, "sessions": len(u.sessions), "gap_hours": u.gap_hours,
                     "trainers": u.trainers, "allocated_hours": u.allocated_hours,
                     "busy_hours": u.busy_hours, "utilisation": u.utilisation, "devices": u.devices,
                     "candidates_per_device_hour": u.candidates_per_device_hour})
        lines.append(f"| {e.label} | {len(u.sessions)} | {u.gap_hours:.2f} | {u.trainers} | {u.allocated_hours:.2f} "
                     f"| {u.busy_hours:.2f} | {u.utilisation:.0%} | {u.devices} | {u.candidates_per_device_hour:.1f} |")
        paths = utilisation.gantt(e, out / f"gantt_{e.label}")
        charts += [f"![{e.label}]({paths[0].name})", ""]
    pd.DataFrame(rows).to_csv(out / "utilisation.csv", index=False)
    return lines + [""] + charts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the paper's tables and figures from unas results files.")
    parser.add_argument("results", nargs="+", help="results files (.h5) or folders holding them")
    parser.add_argument("--out", default="results/report", help="output folder (default: results/report)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    experiments, unreadable = [], []
    for path in inputs(args.results):
        try:
            experiments.append(load(path))
        except Exception as error:  # a corrupt or foreign file is reported, not fatal
            unreadable.append(f"{path}: {error}")
    for line in unreadable:
        print(f"make_report: skipped {line}", file=sys.stderr)
    if not experiments:
        print("make_report: no readable results files", file=sys.stderr)
        return 2

    frames = [e.candidates.assign(experiment=e.label, scale=e.scale or "", task=e.task, variant=variant(e)) for e in experiments]
    pd.concat(frames, ignore_index=True).to_csv(out / "candidates.csv", index=False)
    retrained = [e.retrained.assign(experiment=e.label, scale=e.scale or "", task=e.task, variant=variant(e)) for e in experiments]
    pd.concat(retrained, ignore_index=True).to_csv(out / "retrained.csv", index=False)
    exports = [e.exports.assign(experiment=e.label, scale=e.scale or "", task=e.task, variant=variant(e)) for e in experiments]
    pd.concat(exports, ignore_index=True).to_csv(out / "exports.csv", index=False)
    fronts = []  # error vs each resource, over the models within the experiment's bounds
    for e in experiments:
        within = e.ok[e.within_bounds()]
        for resource in ("model_size", "pmu", "macs"):
            points = within[["error", resource]].to_numpy()
            for _, r in within[pareto_mask(points)].sort_values(resource).iterrows() if len(points) else []:
                fronts.append({"experiment": e.label, "front": f"error vs {resource}", "id": int(r["id"]), "error": r["error"],
                               resource: int(r[resource])})
    pd.DataFrame(fronts).to_csv(out / "fronts.csv", index=False)

    report = ["# unas report", ""] + summary_section(experiments)
    missing = [f"unreadable: {u}" for u in unreadable]

    t2, missing2 = tables.table2(experiments)
    t4, missing4 = tables.table4(experiments)
    # table2.md/table4.md stay bare tables that scripts can parse; the note goes into the .tex and report.md
    for name, rows, columns, note in (("table2", t2, tables.COLUMNS, tables.NOTE), ("table4", t4, tables.SPARSE_COLUMNS, tables.SPARSE_NOTE)):
        (out / f"{name}.md").write_text(tables.markdown(rows, columns))
        (out / f"{name}.tex").write_text(tables.latex(rows, columns, note))
    report += ["", "## Table 2: Pareto-optimal models per task, beside the paper's baselines", "", tables.markdown(t2, tables.COLUMNS),
               f"*{tables.NOTE}*", ""]
    report += ["## Table 4: sparse models against SpArSe", "", tables.markdown(t4, tables.SPARSE_COLUMNS), f"*{tables.SPARSE_NOTE}*", ""]
    report += inheritance_section(experiments)
    report += utilisation_section(experiments, out)
    missing += [f"Table 2: no experiment for {t}" for t in missing2] + [f"Table 4: no sparse experiment for {t}" for t in missing4]

    report += ["## Fig. 3: error vs model size, AE vs BO vs AE + pruning", ""]
    for task in ("Chars74K", "MNIST"):
        paths, gone = figures.fig3(experiments, task, out / f"fig3_{task.lower()}")
        missing += [f"Fig. 3: no {g} experiment" for g in gone]
        if paths:
            report += [f"![Fig. 3, {task}]({paths[0].name})", ""]
    paths, gone = figures.fig4(experiments, out / "fig4")
    missing += [f"Fig. 4: no {g} experiment" for g in gone]
    report += ["## Fig. 4: MNIST, all objectives / no MS / no PMU", ""] + ([f"![Fig. 4]({paths[0].name})", ""] if paths else [])

    curves = {e.label: figures.hypervolume_over_rounds(e) for e in experiments}
    pd.DataFrame([{"experiment": n, "finished": k, "hypervolume": v} for n, c in curves.items() for k, v in c]).to_csv(
        out / "hypervolume.csv", index=False)
    paths = figures.hypervolume_figure(curves, out / "hypervolume")
    report += ["## Hypervolume of the front over search rounds (objectives divided by their bounds)", "",
               "| experiment | hypervolume at the end |", "|---|---|"]
    report += [f"| {n} | {c[-1][1]:.4f} |" for n, c in curves.items() if c]
    report += ["", f"![hypervolume]({paths[0].name})", ""]

    report += ["## Missing", ""] + ([f"- {m}" for m in missing] if missing else ["Nothing: every table and figure has its experiments."])
    (out / "report.md").write_text("\n".join(report) + "\n")
    print(f"make_report: {len(experiments)} experiments -> {out / 'report.md'}"
          + (f" ({len(missing)} things missing, listed there)" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
