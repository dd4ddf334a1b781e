"""Paper Fig. 3 (error vs model size: AE, BO, AE + pruning) and Fig. 4 (MNIST: all objectives,
no MS, no PMU), and hypervolume over search rounds. PNG and PDF. Fronts are drawn from ok
candidates only; candidates that early stopping cut short are shown greyed behind them, since
their errors are where training stopped, not what the model reaches."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pandas as pd  # noqa: E402

from .pareto import hypervolume_steps, pareto_mask  # noqa: E402
from .results import Experiment  # noqa: E402
from .variants import variant as _variant  # noqa: E402


def variant(e: Experiment) -> str:
    """The ablation, without the [simulated] mark (figures show simulated runs too, labelled)."""
    return _variant(e).replace(" [simulated]", "")

# Colour, marker and line style per variant, so that variants on top of each other stay visible.
STYLES = {"AE": ("tab:blue", "o", "-"), "BO": ("tab:orange", "s", "--"), "AE + pruning": ("tab:green", "^", "-."),
          "AE (no MS)": ("tab:red", "s", "--"), "AE (no PMU)": ("tab:purple", "^", "-."),
          "AE + pruning, fast": ("tab:brown", "v", ":")}
STOPPED_COLOUR = "lightgrey"  # candidates stopped early: behind everything, small, no front


def _save(fig, stem: Path) -> list[Path]:
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    for p in paths:
        fig.savefig(p, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return paths


def _by_variant(experiments: list[Experiment], task: str, wanted: list[str]) -> dict[str, Experiment]:
    """One experiment per wanted variant of the task: of several (a full run and its scaled
    runs), the one with the most finished candidates."""
    found: dict[str, Experiment] = {}
    for e in experiments:
        v = variant(e)
        if e.task == task and v in wanted and (v not in found or len(e.candidates) > len(found[v].candidates)):
            found[v] = e
    return found


def _plot_stopped(ax, e: Experiment, column: str, name: str, count_label=True):
    """The experiment's stopped candidates at their recorded error (where training stopped):
    light grey, small and behind the ok ones (zorder), in the variant's marker; never part of a
    front. Points a log axis cannot show (no resource figure recorded) are left out."""
    stopped = e.candidates[e.candidates["outcome"] == "stopped"]
    stopped = stopped[(stopped[column] > 0) & np.isfinite(stopped["error"])]
    if stopped.empty:
        return
    marker = STYLES.get(name, ("tab:grey", "o", "-"))[1]
    shown = f"{name}, {e.scale} scale" if e.scale else name
    ax.scatter(stopped[column].to_numpy(), stopped["error"].to_numpy(), s=6, color=STOPPED_COLOUR, marker=marker,
               zorder=0, label=f"{shown}: stopped early ({len(stopped)})" if count_label else f"{shown}: stopped early")


def _plot_variant(ax, x, y, name, e: Experiment, count_label=True):
    colour, marker, line = STYLES.get(name, ("tab:grey", "o", "-"))
    shown = f"{name}, {e.scale} scale" if e.scale else name
    ax.scatter(x, y, s=14, alpha=0.5, facecolors="none", edgecolors=colour, marker=marker,
               label=f"{shown} ({len(x)} models)" if count_label else shown)
    if len(x) == 0:
        return
    points = np.column_stack([x, y])
    f = points[pareto_mask(points)]
    f = f[np.argsort(f[:, 0])]
    ax.step(f[:, 0], f[:, 1], where="post", color=colour, linestyle=line, linewidth=2, label=f"{shown} front")


def fig3(experiments: list[Experiment], task: str, stem: Path) -> tuple[list[Path], list[str]]:
    """Error vs model size of AE, BO and AE + pruning on one task, fronts highlighted; an
    accelerated AE + pruning run (inheritance and early stopping, the *_fast experiments) is
    drawn beside them when there is one, with its stopped candidates greyed, and is not missed
    when there is none (it is not in the paper)."""
    required = ["AE", "BO", "AE + pruning"]
    wanted = required + ["AE + pruning, fast"]
    found = _by_variant(experiments, task, wanted)
    missing = [f"{task} {v}" for v in required if v not in found]
    if not found:
        return [], missing
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for name in wanted:
        if name not in found:
            continue
        ok = found[name].ok
        _plot_stopped(ax, found[name], "model_size", name)
        _plot_variant(ax, ok["model_size"].to_numpy(), ok["error"].to_numpy(), name, found[name])
    bounds = next(iter(found.values())).bounds
    if bounds["model_size"]:
        ax.axvline(bounds["model_size"], color="grey", linestyle=":", label="MS bound")
    if bounds["error"]:
        ax.axhline(bounds["error"], color="grey", linestyle="--", label="error bound")
    ax.set_xscale("log")
    ax.set_xlabel("model size (bytes, int8)")
    ax.set_ylabel("validation error")
    ax.set_title(f"{task}: AE vs BO vs AE + pruning")
    ax.legend(fontsize=7)
    return _save(fig, stem), missing


def fig4(experiments: list[Experiment], stem: Path) -> tuple[list[Path], list[str]]:
    """MNIST aging evolution without pruning: all objectives, no MS, no PMU."""
    wanted = ["AE", "AE (no MS)", "AE (no PMU)"]
    found = _by_variant(experiments, "MNIST", wanted)
    missing = [f"MNIST {v}" for v in wanted if v not in found]
    if not found:
        return [], missing
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for name in wanted:
        if name not in found:
            continue
        ok = found[name].ok
        for ax, column in zip(axes, ["model_size", "pmu"]):
            _plot_stopped(ax, found[name], column, name, count_label=False)
            _plot_variant(ax, ok[column].to_numpy(), ok["error"].to_numpy(), name, found[name], count_label=False)
    for ax, label in zip(axes, ["model size (bytes)", "peak memory usage (bytes)"]):
        ax.set_xscale("log")
        ax.set_xlabel(label)
    axes[0].set_ylabel("validation error")
    axes[0].legend(fontsize=7)
    fig.suptitle("MNIST, aging evolution: all objectives / no MS / no PMU")
    return _save(fig, stem), missing


def hypervolume_after_each(e: Experiment, frame: pd.DataFrame | None = None, bounds: dict | None = None) -> np.ndarray:
    """The hypervolume after each row of `frame` (default: every candidate, in completion order)
    of the front of its ok rows, over the objectives bounded in `bounds` (default: the
    experiment's), each divided by its bound, reference point 1: only models within every bound
    count, and failed or stopped candidates never do."""
    frame = e.candidates if frame is None else frame
    bounds = e.bounds if bounds is None else bounds
    columns = [o for o, b in bounds.items() if b is not None]
    scale = np.array([bounds[c] for c in columns], dtype=float)
    return hypervolume_steps(frame[columns].to_numpy(dtype=float), (frame["outcome"] == "ok").to_numpy(), scale)


def hypervolume_over_rounds(e: Experiment, points: int = 20) -> list[tuple[int, float]]:
    """Hypervolume of the front of the first k finished candidates, objectives divided by their
    bounds (reference point: the bounds, so only models within bounds count)."""
    steps = hypervolume_after_each(e)
    return [(int(k), float(steps[k - 1])) for k in sorted(set(np.linspace(1, len(steps), min(points, len(steps))).astype(int)))]


def hypervolume_figure(curves: dict[str, list[tuple[int, float]]], stem: Path) -> list[Path]:
    fig, ax = plt.subplots(figsize=(6.4, 4))
    markers = "osv^<>Dp*h"
    for k, (name, curve) in enumerate(curves.items()):
        ax.plot([r for r, _ in curve], [v for _, v in curve], marker=markers[k % len(markers)], markersize=4,
                linestyle=("-", "--", "-.", ":")[k % 4], fillstyle="none", label=name)
    ax.set_xlabel("finished candidates")
    ax.set_ylabel("hypervolume (objectives / bounds)")
    ax.set_title("Hypervolume over search rounds")
    ax.legend(fontsize=7)
    return _save(fig, stem)
