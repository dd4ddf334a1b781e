"""analysis/unas_analysis/utilisation.py on results files written here with h5py in unas's layout:
a run of two sessions (the second killed, so without its stop row) whose busy time, allocated time,
gap, devices and per-rank shares are computed by hand below; a file written before the timeline
(no started_at, host, device, /sessions); and the report's utilisation section and Gantt chart."""
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_schema_v2 import CANDIDATE_ES, candidate, table, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))
import make_report  # noqa: E402
from unas_analysis import results, utilisation  # noqa: E402

# The layout of src/store/results_file.cpp (kHostBytes, kDeviceBytes, kEventBytes).
CANDIDATE_TIMELINE = CANDIDATE_ES + [("started_at", "<f8"), ("host", "S64"), ("device", "S16")]
SESSIONS = [("at", "<f8"), ("event", "S8"), ("mpi_size", "<i4"), ("host", "S64")]

T0 = 1.7e9
# (id, rank, outcome, started, finished, device): session 1 from T0 to its stop at T0 + 3600,
# session 2 from T0 + 5400 until it was killed after its last result at T0 + 7200.
RUNS = [(0, 1, "ok", 0, 1800, "cuda:0"), (1, 2, "stopped", 0, 900, "cuda:1"), (2, 2, "ok", 900, 3600, "cuda:1"),
        (3, 1, "failed", 5400, 7200, "cuda:0"), (4, 2, "ok", 5400, 6300, "cuda:1")]


def timed_candidates():
    rows = []
    for ident, rank, outcome, start, end, device in RUNS:
        c = candidate(ident, 0.2 + ident / 100, 1000, outcome=outcome, stopped_at=1 if outcome == "stopped" else 0)
        c.update(rank=rank, issued_at=T0 + start, started_at=T0 + start, finished_at=T0 + end,
                 train_seconds=end - start - 5, host="node1", device=device)
        rows.append(c)
    return rows


def with_timeline(path: Path, rows, sessions):
    """Replaces the candidates of a file write_results made by rows with the timeline columns, and
    adds /sessions."""
    write_results(path, "fashion_ae", rows)
    with h5py.File(path, "a", libver="latest") as f:
        del f["candidates"]
        names = dict(CANDIDATE_TIMELINE)
        f.create_dataset("candidates", data=table([{k: v for k, v in r.items() if k in names} for r in rows],
                                                  CANDIDATE_TIMELINE), maxshape=(None,), chunks=(16,))
        f.create_dataset("sessions", data=table(sessions, SESSIONS), maxshape=(None,), chunks=(16,))
        f.attrs["mpi_size"] = np.int64(3)


@pytest.fixture
def two_sessions(tmp_path):
    path = tmp_path / "fashion_ae.h5"
    with_timeline(path, timed_candidates(), [
        {"at": T0, "event": "start", "mpi_size": 3, "host": "node1"},
        {"at": T0 + 3600, "event": "stop", "mpi_size": 3, "host": "node1"},
        {"at": T0 + 5400, "event": "start", "mpi_size": 3, "host": "node1"}])
    return results.load(path)


def test_sessions_end_at_their_stop_or_at_their_last_record(two_sessions):
    s = utilisation.sessions(two_sessions)
    assert s[["start", "end", "trainers"]].values.tolist() == [[T0, T0 + 3600, 2], [T0 + 5400, T0 + 7200, 2]]


def test_figures_of_a_run_with_a_requeue_gap(two_sessions):
    u = utilisation.utilisation(two_sessions)
    assert u.allocated_hours == pytest.approx((3600 + 1800) * 2 / 3600)         # 3.0 trainer-hours
    assert u.busy_hours == pytest.approx((1800 + 900 + 2700 + 1800 + 900) / 3600)  # 2.25: started_at, not train_seconds
    assert u.utilisation == pytest.approx(0.75)
    assert u.gap_hours == pytest.approx(0.5)
    assert u.devices == 2
    assert u.device_hours == pytest.approx(3.0)
    assert u.candidates_per_device_hour == pytest.approx(5 / 3)
    ranks = u.per_rank()
    assert ranks.loc[1, "device"] == "cuda:0" and ranks.loc[2, "device"] == "cuda:1"
    assert ranks["candidates"].tolist() == [2, 3]
    assert ranks["utilisation"].tolist() == pytest.approx([1.0 / 1.5, 1.25 / 1.5])


def test_a_file_from_before_the_timeline_is_one_session_of_its_trainers(tmp_path):
    rows = []
    for ident in range(3):  # one trainer, back to back: issued at 100 k, trained 90 s, recorded at 100 k + 95
        c = candidate(ident, 0.3, 1000)
        c.update(issued_at=T0 + 100 * ident, finished_at=T0 + 100 * ident + 95, train_seconds=90.0)
        rows.append(c)
    write_results(tmp_path / "old.h5", "fashion_ae", rows)
    e = results.load(tmp_path / "old.h5")
    assert e.sessions.empty and e.candidates["started_at"].isna().all() and (e.candidates["device"] == "").all()
    u = utilisation.utilisation(e)
    assert u.sessions[["start", "end", "trainers"]].values.tolist() == [[T0, T0 + 295, 1]]
    assert u.busy_hours == pytest.approx(270 / 3600)   # finished_at - train_seconds
    assert u.utilisation == pytest.approx(270 / 295)
    assert u.devices == 1                              # no devices recorded: one per trainer


def test_report_has_the_utilisation_row_and_a_gantt_chart(two_sessions, tmp_path):
    out = tmp_path / "report"
    assert make_report.main([str(two_sessions.path), "--out", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "| fashion_ae | 2 | 0.50 | 2 | 3.00 | 2.25 | 75% | 2 | 1.7 |" in report
    assert "![fashion_ae](gantt_fashion_ae.png)" in report
    assert (out / "gantt_fashion_ae.png").stat().st_size > 10_000
    assert (out / "utilisation.csv").read_text().splitlines()[1].startswith("fashion_ae,2,0.5,2,3.0,2.25,0.75,2,")


def test_a_real_run_under_mpirun_agrees_with_unas_inspect(tmp_path):
    """A simulated search of 3 ranks on 2 (simulated) GPUs, stopped by SIGUSR1 and resumed: two
    sessions with a stop each, every candidate placed and timed; analysis/ and `unas inspect
    --utilisation` give the same figures from the file."""
    import os
    import re
    import signal
    import subprocess
    import time
    unas = os.environ.get("UNAS_BINARY", str(ROOT / "build" / "bin" / "unas"))
    toml = tmp_path / "placed.toml"
    toml.write_text(f'name = "placed"\nseed = 3\n[dataset]\nkind = "chars74k"\npath = "unused"\n[search]\nrounds = 30\n'
                    f'population = 10\nsample = 3\n[bounds]\nerror = 0.5\nmodel_size = 40000\n[simulate]\n'
                    f'mean_seconds = 0.05\ngpus = 2\n[run]\nresults = "{tmp_path / "placed.h5"}"\ngrace_seconds = 30\n')
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}
    command = ["mpirun", "-np", "3", "--oversubscribe", "--bind-to", "none", unas, "--log-level", "warn", "run", str(toml)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = tmp_path / "placed.h5"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with h5py.File(path, "r", swmr=True) as f:
                if len(f["candidates"]) >= 5:
                    break
        except (OSError, KeyError):
            pass
        time.sleep(0.2)
    first.send_signal(signal.SIGUSR1)
    assert first.wait(timeout=120) == 3
    time.sleep(1.0)  # a gap between the sessions
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)

    e = results.load(path)
    assert e.sessions["event"].tolist() == ["start", "stop", "start", "stop"]
    assert sorted(set(zip(e.candidates["rank"], e.candidates["device"]))) == [(1, "cuda:0"), (2, "cuda:1")]
    assert (e.candidates["started_at"] <= e.candidates["finished_at"]).all()
    u = utilisation.utilisation(e)
    assert len(u.sessions) == 2 and u.gap_hours * 3600 >= 1.0
    assert 0 < u.utilisation <= 1 and u.devices == 2
    shown = subprocess.run([unas, "inspect", str(path), "--utilisation"], capture_output=True, text=True, check=True).stdout
    assert f"sessions: 2 ({u.gap_hours:.2f} h between them); up to 2 trainers" in shown
    assert f"busy {u.busy_hours:.2f} h: utilisation {100 * u.utilisation:.1f} %" in shown
    assert f"devices: 2; 30 candidates, {u.candidates_per_device_hour:.2f} per device-hour" in shown
    per_rank = u.per_rank()
    for rank in (1, 2):
        line = re.search(rf"^\s+{rank}\s+\S+\s+cuda:{rank - 1}\s+(\d+)", shown, re.M)
        assert line and int(line.group(1)) == per_rank.loc[rank, "candidates"], shown
