"""Reads unas results files (HDF5) into pandas, also while a run is still writing them."""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

# The objectives, as columns of Experiment.candidates (figures after pruning), and their bound keys.
OBJECTIVES = ["error", "pmu", "model_size", "macs"]
BOUND_KEYS = {"error": "error", "pmu": "peak_memory", "model_size": "model_size", "macs": "macs"}

TASKS = {  # (data set kind, binary) -> the paper's name of the task
    ("mnist", False): "MNIST",
    ("fashion_mnist", False): "Fashion MNIST",
    ("cifar10", False): "CIFAR-10",
    ("cifar10", True): "CIFAR-10 binary",
    ("chars74k", False): "Chars74K",
    ("chars74k", True): "Chars74K binary",
    ("speech_commands", False): "Speech Commands",
}


@dataclass
class Experiment:
    path: Path
    name: str
    config: dict            # the resolved experiment TOML
    candidates: pd.DataFrame
    rounds: int
    proposals: int
    mpi_size: int
    unas_version: str

    @property
    def scale(self) -> str | None:
        """The scale it ran at (`unas run --scale NAME`), None for the experiment as written."""
        return self.config.get("scale")

    @property
    def label(self) -> str:
        """The name with its scale, as in its default results file: chars74k_ae_prune.local."""
        return f"{self.name}.{self.scale}" if self.scale else self.name

    @property
    def bounds(self) -> dict:
        b = self.config.get("bounds", {})
        return {o: b.get(k) for o, k in BOUND_KEYS.items()}

    @property
    def bounded(self) -> list[str]:
        return [o for o, v in self.bounds.items() if v is not None]

    @property
    def task(self) -> str:
        d = self.config.get("dataset", {})
        key = (d.get("kind", "?"), bool(d.get("binary", False)))
        return TASKS.get(key, f"{key[0]}{' binary' if key[1] else ''}")

    @property
    def algorithm(self) -> str:
        return self.config.get("search", {}).get("algorithm", "aging_evolution")

    @property
    def pruning(self) -> str | None:
        return self.config.get("pruning", {}).get("kind")

    @property
    def ok(self) -> pd.DataFrame:
        return self.candidates[self.candidates["outcome"] == "ok"]

    def within_bounds(self, frame: pd.DataFrame | None = None) -> pd.Series:
        frame = self.ok if frame is None else frame
        mask = pd.Series(True, index=frame.index)
        for objective, bound in self.bounds.items():
            if bound is not None:
                mask &= frame[objective] <= bound
        return mask


def _text(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def load(path: str | Path) -> Experiment:
    path = Path(path)
    with h5py.File(path, "r", swmr=True) as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        rows = f["candidates"][:]
        proposals = len(f["proposals"])
    frame = pd.DataFrame({
        "id": rows["id"], "parent_id": rows["parent_id"], "rank": rows["rank"],
        "outcome": _text(rows["outcome"]), "failure": _text(rows["failure"]),
        "architecture": _text(rows["architecture"]), "sparsity": rows["sparsity"], "seed": rows["seed"],
        "error": rows["val_error"], "test_error": rows["test_error"],
        "pmu": rows["pmu_pruned"], "model_size": rows["model_size_pruned"], "macs": rows["macs_pruned"],
        "pmu_dense": rows["pmu"], "model_size_dense": rows["model_size"], "macs_dense": rows["macs"],
        "val_curve": _text(rows["val_curve"]), "train_seconds": rows["train_seconds"],
        "issued_at": rows["issued_at"], "finished_at": rows["finished_at"],
    })
    frame["round"] = np.arange(len(frame))  # completion order
    return Experiment(path=path, name=str(attrs["experiment_name"]), config=tomllib.loads(attrs["experiment_toml"]),
                      candidates=frame, rounds=int(attrs["rounds"]), proposals=proposals,
                      mpi_size=int(attrs["mpi_size"]), unas_version=str(attrs["unas_version"]))


def architecture(row) -> dict:
    return json.loads(row["architecture"])
