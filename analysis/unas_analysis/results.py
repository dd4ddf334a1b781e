"""Reads unas results files (HDF5) into pandas, also while a run is still writing them.

Schema version 1 and 2 files read alike: version 2 adds the weight-inheritance columns of
/candidates (defaults are filled in for version 1, so code downstream never asks which version it
has) and /retrained, the front's models retrained from scratch by `unas retrain`. Later version 2
files add early stopping: the outcome "stopped" and `stopped_at_epoch` in /candidates, `redraws`
and `stop_rungs` in /proposals; files written before them read with their defaults (0, 0, "[]").
`unas export` adds /exports (int8 accuracy, arena, flash and RAM on the emulated target) to the
file it exports from; a file never exported from has none. Files written since the utilisation
timeline add `started_at`, `host` and `device` to /candidates and /sessions (each start and orderly
stop of `unas run`); older files read with started_at NaN, host and device "", and no sessions."""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
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

# The columns of Experiment.proposal_rows (the architecture stays in /proposals: candidates has it).
PROPOSAL_COLUMNS = ["id", "parent_id", "issued_at", "redraws", "stop_rungs"]

# The columns of Experiment.retrained, in file order; val_error is called "error" as in candidates.
RETRAINED_COLUMNS = ["id", "seed_index", "seed", "rank", "outcome", "failure", "error", "test_error",
                     "pmu", "model_size", "macs", "train_seconds", "finished_at"]

# The columns of Experiment.exports, in file order.
EXPORT_COLUMNS = ["id", "outcome", "failure", "test_examples", "float_accuracy", "int8_accuracy", "pmu", "model_size",
                  "arena_bytes", "parameter_bytes", "flash_bytes", "ram_bytes", "stack_bytes", "target_match", "target",
                  "directory", "exported_at"]


# The columns of Experiment.sessions: one row per start ("start") and orderly end ("stop") of `unas run`.
SESSION_COLUMNS = ["at", "event", "mpi_size", "host"]


@dataclass
class Experiment:
    path: Path
    name: str
    config: dict            # the resolved experiment TOML
    candidates: pd.DataFrame
    rounds: int
    proposals: int          # rows of /proposals
    mpi_size: int
    unas_version: str
    schema_version: int = 1
    # `unas retrain` rows (RETRAINED_COLUMNS), every row as written; empty for version 1 files
    retrained: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RETRAINED_COLUMNS))
    # /proposals rows (PROPOSAL_COLUMNS), redraws 0 and stop_rungs "[]" where the file predates them
    proposal_rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROPOSAL_COLUMNS))
    # `unas export` rows (EXPORT_COLUMNS), every row as written; empty when nothing was exported
    exports: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXPORT_COLUMNS))
    # /sessions rows (SESSION_COLUMNS); empty for files written before the utilisation timeline
    sessions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SESSION_COLUMNS))

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
    def inherit_weights(self) -> bool:
        return bool(self.config.get("search", {}).get("inherit_weights", False))

    @property
    def early_stopping_rungs(self) -> list[int]:
        """The rungs of `[search.early_stopping]` as resolved (a scale may have dropped them all:
        then nothing was stopped early and the run is no early-stopping run)."""
        return list(self.config.get("search", {}).get("early_stopping", {}).get("rungs", []))

    @property
    def max_macs(self) -> int:
        return int(self.config.get("training", {}).get("max_macs", 0))

    @property
    def effective_bounds(self) -> dict:
        """The bounds as the search could meet them: a MACs bound is also capped by `[training]
        max_macs`, since nothing over that is ever trained (a local scale cuts MNIST's 30 M to 2 M).
        An unbounded objective stays unbounded: the cap does not make it one."""
        b = dict(self.bounds)
        if b["macs"] is not None and self.max_macs > 0:
            b["macs"] = min(b["macs"], self.max_macs)
        return b

    @property
    def ok(self) -> pd.DataFrame:
        return self.candidates[self.candidates["outcome"] == "ok"]

    def count(self, outcome: str) -> int:
        """Candidates that ended "ok", "failed", or "stopped" (early stopping's decision, not an
        error); only ok ones become parents, fronts and found models."""
        return int((self.candidates["outcome"] == outcome).sum())

    @property
    def redraws(self) -> int:
        """Networks over max_macs the search drew again (they cost no round)."""
        return int(self.proposal_rows["redraws"].sum())

    def within_bounds(self, frame: pd.DataFrame | None = None) -> pd.Series:
        frame = self.ok if frame is None else frame
        mask = pd.Series(True, index=frame.index)
        for objective, bound in self.bounds.items():
            if bound is not None:
                mask &= frame[objective] <= bound
        return mask


def _text(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _epochs_from_curve(curves: list[str]) -> np.ndarray:
    """Version 1 files trained every candidate for its whole schedule and logged one validation
    error per epoch, so the curve's length is the number of epochs it trained."""
    return np.array([len(json.loads(c)) if c else 0 for c in curves], dtype=np.int32)


def _inheritance(rows: np.ndarray, curves: list[str]) -> dict:
    """The version 2 weight-inheritance columns, or what they mean for a version 1 file: nothing
    inherited, full schedules, no morphism recorded."""
    names = rows.dtype.names
    n = len(rows)
    return {
        "morphism": _text(rows["morphism"]) if "morphism" in names else [""] * n,
        "inherited_from": rows["inherited_from"] if "inherited_from" in names else np.full(n, -1, dtype=np.int64),
        "epochs_trained": rows["epochs_trained"] if "epochs_trained" in names else _epochs_from_curve(curves),
        "inherited_fraction": rows["inherited_fraction"] if "inherited_fraction" in names else np.zeros(n),
    }


def _early_stopping(rows: np.ndarray) -> dict:
    """`stopped_at_epoch` (0: not stopped), or 0 for every row of a file written before early
    stopping, when no candidate could have been stopped."""
    n = len(rows)
    return {"stopped_at_epoch": rows["stopped_at_epoch"] if "stopped_at_epoch" in rows.dtype.names
            else np.zeros(n, dtype=np.int32)}


def _timeline(rows: np.ndarray) -> dict:
    """When the trainer started each candidate (Unix seconds, its node's clock) and where it ran
    (host name, "cpu" or "cuda:N"): NaN and "" in files written before they were recorded."""
    names, n = rows.dtype.names, len(rows)
    return {
        "started_at": rows["started_at"] if "started_at" in names else np.full(n, np.nan),
        "host": _text(rows["host"]) if "host" in names else [""] * n,
        "device": _text(rows["device"]) if "device" in names else [""] * n,
    }


def _sessions(f: h5py.File) -> pd.DataFrame:
    """The /sessions rows; a file written before they were recorded has none."""
    if "sessions" not in f:
        return pd.DataFrame(columns=SESSION_COLUMNS)
    rows = f["sessions"][:]
    return pd.DataFrame({"at": rows["at"], "event": _text(rows["event"]), "mpi_size": rows["mpi_size"],
                         "host": _text(rows["host"])}, columns=SESSION_COLUMNS)


def _proposals(f: h5py.File) -> pd.DataFrame:
    """The /proposals rows without their architectures (candidates carry those), with `redraws`
    0 and `stop_rungs` "[]" for files written before early stopping and the MACs cap's redraws."""
    table = f["proposals"]
    names = table.dtype.names
    wanted = [c for c in PROPOSAL_COLUMNS if c in names]
    rows = table.fields(wanted)[:] if len(table) else np.zeros(0, dtype=table.dtype)
    n = len(rows)
    return pd.DataFrame({
        "id": rows["id"], "parent_id": rows["parent_id"], "issued_at": rows["issued_at"],
        "redraws": rows["redraws"] if "redraws" in names else np.zeros(n, dtype=np.int32),
        "stop_rungs": [t or "[]" for t in _text(rows["stop_rungs"])] if "stop_rungs" in names else ["[]"] * n,
    }, columns=PROPOSAL_COLUMNS)


def _retrained(f: h5py.File) -> pd.DataFrame:
    """The /retrained rows; a version 1 file, or one `unas retrain` never touched, has none."""
    if "retrained" not in f:
        return pd.DataFrame(columns=RETRAINED_COLUMNS)
    rows = f["retrained"][:]
    return pd.DataFrame({
        "id": rows["id"], "seed_index": rows["seed_index"], "seed": rows["seed"], "rank": rows["rank"],
        "outcome": _text(rows["outcome"]), "failure": _text(rows["failure"]),
        "error": rows["val_error"], "test_error": rows["test_error"],
        "pmu": rows["pmu"], "model_size": rows["model_size"], "macs": rows["macs"],
        "train_seconds": rows["train_seconds"], "finished_at": rows["finished_at"],
    }, columns=RETRAINED_COLUMNS)


def _exports(f: h5py.File) -> pd.DataFrame:
    """The /exports rows; a file `unas export` never touched has none."""
    if "exports" not in f:
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    rows = f["exports"][:]
    text = {"outcome", "failure", "target", "directory"}
    return pd.DataFrame({c: (_text(rows[c]) if c in text else rows[c]) for c in EXPORT_COLUMNS}, columns=EXPORT_COLUMNS)


def load(path: str | Path) -> Experiment:
    path = Path(path)
    with h5py.File(path, "r", swmr=True) as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        rows = f["candidates"][:]
        proposals = _proposals(f)
        retrained = _retrained(f)
        exports = _exports(f)
        sessions = _sessions(f)
    curves = _text(rows["val_curve"])
    frame = pd.DataFrame({
        "id": rows["id"], "parent_id": rows["parent_id"], "rank": rows["rank"],
        "outcome": _text(rows["outcome"]), "failure": _text(rows["failure"]),
        "architecture": _text(rows["architecture"]), "sparsity": rows["sparsity"], "seed": rows["seed"],
        "error": rows["val_error"], "test_error": rows["test_error"],
        "pmu": rows["pmu_pruned"], "model_size": rows["model_size_pruned"], "macs": rows["macs_pruned"],
        "pmu_dense": rows["pmu"], "model_size_dense": rows["model_size"], "macs_dense": rows["macs"],
        "val_curve": curves, "train_seconds": rows["train_seconds"],
        "issued_at": rows["issued_at"], "finished_at": rows["finished_at"],
        **_inheritance(rows, curves), **_early_stopping(rows), **_timeline(rows),
    })
    # what its proposal says: networks drawn again before it, the early-stopping thresholds it was sent
    by_id = proposals.drop_duplicates("id", keep="last").set_index("id")
    frame["redraws"] = frame["id"].map(by_id["redraws"]).fillna(0).astype(np.int32)
    frame["stop_rungs"] = frame["id"].map(by_id["stop_rungs"]).fillna("[]")
    frame["round"] = np.arange(len(frame))  # completion order
    return Experiment(path=path, name=str(attrs["experiment_name"]), config=tomllib.loads(attrs["experiment_toml"]),
                      candidates=frame, rounds=int(attrs["rounds"]), proposals=len(proposals),
                      mpi_size=int(attrs["mpi_size"]), unas_version=str(attrs["unas_version"]),
                      schema_version=int(attrs.get("schema_version", 1)), retrained=retrained,
                      proposal_rows=proposals, exports=exports, sessions=sessions)


def _last_per_seed(e: Experiment) -> pd.DataFrame:
    """The /retrained rows with a seed retrained twice (a retrain resumed or repeated) counted
    once, by its last row, so repeating `unas retrain` never inflates the number of seeds."""
    return e.retrained.drop_duplicates(["id", "seed_index"], keep="last")


def retrained_error(e: Experiment) -> pd.Series:
    """Per retrained id, the mean validation error over its ok seeds (ids whose seeds all failed
    are left out): what a search-time error becomes after training from scratch."""
    rows = _last_per_seed(e)
    rows = rows[rows["outcome"] == "ok"]
    return rows["error"].astype(float).groupby(rows["id"]).mean()


def retrained_accuracy(e: Experiment) -> pd.DataFrame:
    """Per retrained candidate id: `seeds` (seed indices run), `ok` (of them, finished), and the
    mean and sample standard deviation (ddof=1; NaN for one seed) of the test accuracy in % over
    the ok seeds. A seed retrained twice (a retrain run resumed or repeated) counts once, by its
    last row, so repeating `unas retrain` never inflates the number of seeds."""
    columns = ["seeds", "ok", "mean", "std"]
    rows = _last_per_seed(e)
    if rows.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="id", dtype="int64"))
    accuracy = 100 * (1 - rows["test_error"].astype(float))
    good = accuracy[rows["outcome"] == "ok"].groupby(rows["id"])
    out = pd.DataFrame({"seeds": rows.groupby("id").size()})
    out["ok"] = good.size().reindex(out.index, fill_value=0)
    out["mean"] = good.mean().reindex(out.index)
    out["std"] = good.std(ddof=1).reindex(out.index)
    return out[columns]


def exported(e: Experiment) -> pd.DataFrame:
    """Per exported candidate id, its last successful export (a later export supersedes an
    earlier one): int8 and float accuracy in %, arena, flash and RAM."""
    rows = e.exports[e.exports["outcome"] == "ok"].drop_duplicates("id", keep="last").set_index("id")
    out = rows[["arena_bytes", "flash_bytes", "ram_bytes", "target_match"]].copy()
    out["int8"] = 100 * rows["int8_accuracy"].astype(float)
    out["float"] = 100 * rows["float_accuracy"].astype(float)
    return out


def architecture(row) -> dict:
    return json.loads(row["architecture"])
