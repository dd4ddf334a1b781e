"""Where a run's allocation went, from its results file alone: each trainer rank's candidates on a
time line (a Gantt chart, as DeepHyper draws its utilisation), the run's sessions, trainer
utilisation and candidates per device-hour.

A candidate occupied its trainer from `started_at` (the trainer's clock) to `finished_at` (rank 0's,
when the result was recorded); in files written before started_at was recorded, from finished_at -
train_seconds. A session is one start of `unas run` (a resume after a requeue is another): from its
"start" row in /sessions to its "stop" row, or, when it was killed and wrote none, to the last thing
it recorded before the next start. It holds mpi_size - 1 trainers (1 when the run was one process).
A file without /sessions is one session, from the first proposal to the last result. Allocated
trainer time is the sessions' durations times their trainers: the time between sessions (queued
after a requeue) is not allocated, and shows as a gap. A device is a (host, device) pair the trainers
reported ("cpu" counts a node's CPUs as one); a file without devices counts each trainer as one.
`unas inspect --utilisation` computes the same figures."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .results import Experiment  # noqa: E402

OUTCOME_COLOURS = {"ok": "tab:blue", "stopped": "tab:gray", "failed": "tab:red"}


@dataclass
class Utilisation:
    sessions: pd.DataFrame   # start, end, trainers: one row per session, in time order
    intervals: pd.DataFrame  # per candidate: id, rank, outcome, start, end, host, device
    devices: int

    @property
    def trainers(self) -> int:
        """The most trainers any session held."""
        return int(self.sessions["trainers"].max()) if len(self.sessions) else 0

    @property
    def allocated_hours(self) -> float:
        """Trainer-hours the sessions held."""
        return float(((self.sessions["end"] - self.sessions["start"]) * self.sessions["trainers"]).sum()) / 3600

    @property
    def busy_hours(self) -> float:
        return float((self.intervals["end"] - self.intervals["start"]).sum()) / 3600

    @property
    def utilisation(self) -> float:
        return self.busy_hours / self.allocated_hours if self.allocated_hours > 0 else float("nan")

    @property
    def device_hours(self) -> float:
        return float((self.sessions["end"] - self.sessions["start"]).sum()) * self.devices / 3600

    @property
    def candidates_per_device_hour(self) -> float:
        return len(self.intervals) / self.device_hours if self.device_hours > 0 else float("nan")

    @property
    def gap_hours(self) -> float:
        """Time between sessions: after a stop or a kill, until the run started again."""
        s = self.sessions
        return float(np.clip(s["start"].to_numpy()[1:] - s["end"].to_numpy()[:-1], 0, None).sum()) / 3600

    def per_rank(self) -> pd.DataFrame:
        """Per trainer rank: where it ran, its candidates, busy hours, and its share of the allocated
        time (the sessions' durations)."""
        held = float((self.sessions["end"] - self.sessions["start"]).sum()) / 3600
        i = self.intervals.assign(hours=(self.intervals["end"] - self.intervals["start"]) / 3600)
        out = i.groupby("rank").agg(host=("host", lambda h: ",".join(sorted(set(h) - {""}))),
                                    device=("device", lambda d: ",".join(sorted(set(d) - {""}))),
                                    candidates=("id", "size"), busy_hours=("hours", "sum"))
        out["utilisation"] = out["busy_hours"] / held if held > 0 else float("nan")
        return out


def intervals(e: Experiment) -> pd.DataFrame:
    c = e.candidates
    recorded = c["started_at"].notna() & (c["started_at"] > 0)
    start = c["started_at"].where(recorded, c["finished_at"] - c["train_seconds"])
    return pd.DataFrame({"id": c["id"], "rank": c["rank"], "outcome": c["outcome"], "start": start.astype(float),
                         "end": c["finished_at"].astype(float), "host": c["host"], "device": c["device"]})


def sessions(e: Experiment) -> pd.DataFrame:
    columns = ["start", "end", "trainers"]
    events = np.sort(np.concatenate([e.proposal_rows["issued_at"].to_numpy(float), e.candidates["finished_at"].to_numpy(float)]))
    if e.sessions.empty:
        if len(events) == 0:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame([[events[0], events[-1], max(e.mpi_size - 1, 1)]], columns=columns)
    rows = e.sessions.sort_values("at", kind="stable")
    starts = rows[rows["event"] == "start"]
    stops = rows.loc[rows["event"] == "stop", "at"].to_numpy(float)
    out = []
    bounds = list(starts["at"].to_numpy(float)) + [np.inf]
    for (at, size), following in zip(starts[["at", "mpi_size"]].itertuples(index=False), bounds[1:]):
        own_stops = stops[(stops >= at) & (stops < following)]
        own_events = events[(events >= at) & (events < following)]
        end = own_stops[0] if len(own_stops) else (own_events[-1] if len(own_events) else at)
        out.append([at, end, max(int(size) - 1, 1)])
    return pd.DataFrame(out, columns=columns)


def utilisation(e: Experiment) -> Utilisation:
    i = intervals(e)
    placed = {(h, d) for h, d in zip(i["host"], i["device"]) if d}
    u = Utilisation(sessions=sessions(e), intervals=i, devices=0)
    u.devices = len(placed) if placed else u.trainers
    return u


def gantt(e: Experiment, stem: Path) -> list[Path]:
    """Per trainer rank, a bar for each candidate from start to end, coloured by outcome, over the
    sessions (shaded); gaps between sessions stay white. Hours since the first session's start."""
    u = utilisation(e)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.35 * max(u.intervals["rank"].nunique(), 1)))
    t0 = u.sessions["start"].min() if len(u.sessions) else 0.0
    for k, s in enumerate(u.sessions.itertuples(index=False)):
        ax.axvspan((s.start - t0) / 3600, (s.end - t0) / 3600, color="tab:green", alpha=0.08,
                   label="session (allocated)" if k == 0 else None)
    for outcome, colour in OUTCOME_COLOURS.items():
        rows = u.intervals[u.intervals["outcome"] == outcome]
        for n, r in enumerate(rows.itertuples(index=False)):
            ax.broken_barh([((r.start - t0) / 3600, (r.end - r.start) / 3600)], (r.rank - 0.4, 0.8), facecolors=colour,
                           edgecolors="white", linewidth=0.3, label=outcome if n == 0 else None)
    where = u.per_rank()
    ax.set_yticks(list(where.index), [" ".join(filter(None, [f"rank {r}", w.host, w.device])) for r, w in where.iterrows()],
                  fontsize=8)
    ax.set_xlabel("hours since the run started")
    ax.set_title(f"{e.label}: trainers busy {u.utilisation:.0%} of the allocated time, "
                 f"{u.candidates_per_device_hour:.1f} candidates per device-hour", fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    fig.tight_layout()
    paths = [stem.parent / f"{stem.name}.{kind}" for kind in ("png", "pdf")]  # a label may hold a dot
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths
