"""Which ablation an experiment is, from its own settings (not its file name)."""
from __future__ import annotations

from .results import Experiment


def variant(e: Experiment) -> str:
    if e.pruning == "unstructured":
        return "sparse"
    base = {"bayesian_optimisation": "BO", "random": "random"}.get(e.algorithm, "AE")
    if e.pruning == "structured":
        base += " + pruning"
    missing = [name for name, objective in (("MS", "model_size"), ("PMU", "pmu")) if e.bounds[objective] is None]
    if missing:
        base += " (no " + ", no ".join(missing) + ")"
    if "simulate" in e.config:  # trainers slept: the errors are made up
        base += " [simulated]"
    return base
