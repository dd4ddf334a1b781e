"""Which ablation an experiment is, from its own settings (not its file name)."""
from __future__ import annotations

from .results import Experiment


def speed(e: Experiment) -> str:
    """The search accelerations, as a suffix: ", fast" with both weight inheritance and early
    stopping (as the *_fast experiments run), else the one that is on. Either changes what a
    search-time error means (a shortened or cut schedule), so such a run is its own ablation and
    never stands in for the plain one in a figure."""
    inherit, stop = e.inherit_weights, bool(e.early_stopping_rungs)
    if inherit and stop:
        return ", fast"
    return " + inheritance" if inherit else " + early stopping" if stop else ""


def variant(e: Experiment) -> str:
    if e.pruning == "unstructured":
        return "sparse" + speed(e)
    base = {"bayesian_optimisation": "BO", "random": "random"}.get(e.algorithm, "AE")
    if e.pruning == "structured":
        base += " + pruning"
    base += speed(e)
    missing = [name for name, objective in (("MS", "model_size"), ("PMU", "pmu")) if e.bounds[objective] is None]
    if missing:
        base += " (no " + ", no ".join(missing) + ")"
    if "simulate" in e.config:  # trainers slept: the errors are made up
        base += " [simulated]"
    return base
