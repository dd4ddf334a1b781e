"""The slurm/ scripts as users run them: sbatch on the single-node cluster of
scripts/local-slurm.sh (brought up here when it is down, and taken down again), preemption with
requeue and resume, and plain bash without Slurm. Outcomes are read from the job records Slurm
keeps (jobcomp.txt) and from the HDF5 results files, never from "it ran"."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import h5py
import pytest

ROOT = Path(__file__).resolve().parents[2]
UNAS = os.environ.get("UNAS_BINARY", str(ROOT / "build" / "bin" / "unas"))
SLURM_DIR = Path(os.environ.get("UNAS_SLURM_DIR", "/run/unas-slurm"))
SCRIPT = "slurm/chars74k_ae_prune.sh"
# Real training at smoke scale. Seed 2: candidate 0 (its architecture follows from seed and id) is
# under the scale's max_macs and trains; the others depend on the order results come back in.
SMOKE = ["--scale", "smoke", "--set", "seed=2"]
# A simulated search long enough to stop in the middle: trainers sleep 0.4 s per candidate.
SIMULATED = ["--scale", "smoke", "--set", "search.rounds=60", "--set", "simulate.mean_seconds=0.4",
             "--set", "simulate.distribution=fixed"]


def run(*command, **kwargs):
    return subprocess.run(command, cwd=ROOT, text=True, capture_output=True, check=True, **kwargs).stdout


@pytest.fixture(scope="module")
def cluster():
    """SLURM_CONF of a running local cluster; stops it afterwards only if this module started it."""
    started = subprocess.run(["bash", "scripts/local-slurm.sh", "status"], cwd=ROOT, capture_output=True).returncode != 0
    if started:
        run("bash", "scripts/local-slurm.sh", "up")
    conf = run("bash", "scripts/local-slurm.sh", "env").split("=", 1)[1].strip()
    os.environ["SLURM_CONF"] = conf
    yield conf
    if started:
        run("bash", "scripts/local-slurm.sh", "down")


def prepared_data():
    run("bash", "scripts/prepare-data.sh")


class Job:
    """A batch job submitted from the repository root, its log in tmp: by default the smoke
    experiment's script with 3 ranks (a searcher, 2 trainers) instead of its 9."""

    def __init__(self, tmp: Path, *args: str, sbatch=("--ntasks-per-node=3", SCRIPT), name="job"):
        self.jobcomp_offset = (SLURM_DIR / "jobcomp.txt").stat().st_size if (SLURM_DIR / "jobcomp.txt").exists() else 0
        self.log = tmp / f"{name}.out"
        out = run("sbatch", "--parsable", f"--output={self.log}", *sbatch, *args, env={**os.environ, "UNAS": UNAS})
        self.id = out.strip().split(";")[0]

    def record(self) -> dict | None:
        """The job's last record in jobcomp.txt since submission: JobState, ExitCode, ..."""
        path = SLURM_DIR / "jobcomp.txt"
        if not path.exists():
            return None
        with open(path) as f:
            f.seek(self.jobcomp_offset)
            lines = [line for line in f if line.startswith(f"JobId={self.id} ")]
        return dict(re.findall(r"(\w+)=(\S*)", lines[-1])) if lines else None

    def show(self) -> dict:
        """`scontrol show job` while Slurm still knows the job ({} after it has been purged)."""
        out = subprocess.run(["scontrol", "show", "job", "-o", self.id], capture_output=True, text=True).stdout
        return dict(re.findall(r"(\w+)=(\S*)", out))

    def final(self, timeout: float) -> dict:
        """The record of the job's end (a requeue leaves a record too, JobState=PENDING)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            record = self.record()
            if record and record["JobState"] not in ("PENDING", "REQUEUED", "RUNNING"):
                return record
            time.sleep(0.5)
        pytest.fail(f"job {self.id} did not end in {timeout} s: {self.show()}\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else "(no log)"


def candidates(path: Path):
    with h5py.File(path, "r", swmr=True) as f:
        return f["candidates"][:], dict(f.attrs)


def finished_count(path: Path) -> int:
    try:
        return len(candidates(path)[0])
    except (OSError, KeyError):  # not created yet
        return 0


def wait_until(condition, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"waited {timeout} s for {what}")


def test_sbatch_smoke_run_completes(cluster, tmp_path):
    prepared_data()
    results = tmp_path / "smoke.h5"
    job = Job(tmp_path, *SMOKE, "--set", f"run.results={results}")
    record = job.final(timeout=240)
    assert (record["JobState"], record["ExitCode"]) == ("COMPLETED", "0:0"), job.log_text()
    rows, attrs = candidates(results)
    assert sorted(rows["id"]) == list(range(6))  # every round of the smoke scale, once
    assert set(rows["rank"]) <= {1, 2} and attrs["mpi_size"] == 3
    assert attrs["experiment_name"] == "chars74k_ae_prune"
    assert "scale = 'smoke'" in attrs["experiment_toml"]
    first = rows[rows["id"] == 0][0]
    assert first["outcome"] == b"ok" and 0 < first["val_error"] < 1 and first["train_seconds"] > 0
    assert f"job {job.id} (start 1)" in job.log_text()


def test_preempted_job_requeues_and_resumes(cluster, tmp_path):
    results = tmp_path / "preempted.h5"
    job = Job(tmp_path, *SIMULATED, "--set", f"run.results={results}")
    # What submit_matrix.sh does for the report: a job that waits until the experiment has ended.
    after = Job(tmp_path, sbatch=(f"--dependency=afterany:{job.id}", "--wrap=true"), name="after")
    wait_until(lambda: finished_count(results) >= 8, 90, "8 candidates before the signal")
    before = {int(r["id"]): r for r in candidates(results)[0]}
    # What `--signal=B:USR1@...` does before the time limit: SIGUSR1 to the batch shell only.
    run("scancel", "--signal=USR1", "--batch", job.id)
    # unas stopped with exit 3 under srun, and the body requeued the job (Slurm's record of the
    # requeue says PENDING; its exit codes race with the step's end, so the log says it).
    wait_until(lambda: f"(exit 3): requeueing job {job.id}" in job.log_text(), 60, "the job to requeue itself")
    wait_until(lambda: job.show().get("JobState") == "PENDING", 30, "the job to be pending again")
    assert job.record()["JobState"] == "PENDING"
    # Slurm holds a requeued job back two minutes (Reason=BeginTime): let it start now, once the
    # stopped step is gone (a step started while it is still there cannot bind its PMIx socket).
    wait_until(lambda: subprocess.run(["pgrep", "-f", rf"^slurmstepd: \[{job.id}\.0\]"]).returncode == 1, 30,
               "the stopped step to go")
    run("scontrol", "update", f"JobId={job.id}", "StartTime=now")
    record = job.final(timeout=120)
    log = job.log_text()
    assert (record["JobState"], record["ExitCode"]) == ("COMPLETED", "0:0"), log
    assert f"job {job.id} (start 2)" in log and "resuming" in log, log
    assert after.final(timeout=30)["StartTime"] >= record["EndTime"]  # the requeue did not release it

    rows, attrs = candidates(results)
    ids = [int(i) for i in rows["id"]]
    assert sorted(ids) == list(range(60))  # all rounds, nothing lost, nothing twice
    assert len(before) < 60
    after = {int(r["id"]): r for r in rows}
    for i, r in before.items():  # what was recorded before the stop is untouched
        assert (after[i]["architecture"], after[i]["finished_at"]) == (r["architecture"], r["finished_at"])


def test_plain_bash_runs_without_slurm_and_resumes_after_usr1(tmp_path):
    prepared_data()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(UNAS=UNAS, UNAS_RANKS="3")
    results = tmp_path / "bash.h5"
    done = subprocess.run(["bash", SCRIPT, *SMOKE, "--set", f"run.results={results}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no Slurm: mpirun with 3 ranks" in done.stdout
    rows, attrs = candidates(results)
    assert sorted(rows["id"]) == list(range(6)) and attrs["mpi_size"] == 3

    # SIGUSR1 to the script (as a batch system would send it): state recorded, exit 3, resumable.
    simulated = tmp_path / "simulated.h5"
    command = ["bash", SCRIPT, *SIMULATED, "--set", f"run.results={simulated}"]
    running = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until(lambda: finished_count(simulated) >= 8, 90, "8 candidates before the signal")
    running.send_signal(signal.SIGUSR1)
    output = running.communicate(timeout=90)[0]
    assert running.returncode == 3, output
    stopped = finished_count(simulated)
    assert 8 <= stopped < 60
    # What the body asks before it believes a launcher's exit 0.
    incomplete = subprocess.run([UNAS, "inspect", str(simulated), "--complete"], capture_output=True, text=True)
    assert (incomplete.returncode, incomplete.stderr) == (1, f"{simulated}: {stopped} of 60 rounds finished\n")
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert sorted(int(i) for i in candidates(simulated)[0]["id"]) == list(range(60))
    assert subprocess.run([UNAS, "inspect", str(simulated), "--complete"]).returncode == 0


FAILED_LAUNCH_SRUN = """#!/usr/bin/env bash
# srun as it can behave right after a requeue, while the stopped step is still torn down: the first
# launch starts no task and still says 0. Later launches run the ranks with mpirun.
if [[ ! -e $FAILED_LAUNCH_MARK ]]; then
  touch "$FAILED_LAUNCH_MARK"
  echo "srun: error: task 0 launch failed: Unspecified error" >&2
  exit 0
fi
while [[ $1 == --* ]]; do shift; done
exec mpirun -np 3 --oversubscribe --bind-to none "$@"
"""


def test_a_step_whose_tasks_never_launched_is_launched_again(tmp_path):
    prepared_data()
    bin_dir = fake_tools(tmp_path, {"srun": FAILED_LAUNCH_SRUN})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(UNAS=UNAS, SLURM_JOB_ID="4242", SLURM_NTASKS="3", PATH=f"{bin_dir}:{env['PATH']}",
               FAILED_LAUNCH_MARK=str(tmp_path / "launched_once"), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    results = tmp_path / "relaunched.h5"
    done = subprocess.run(["bash", SCRIPT, *SIMULATED, "--set", "search.rounds=12", "--set", f"run.results={results}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.count("srun ended with 0 but the run is not complete") == 1, done.stderr
    assert sorted(int(i) for i in candidates(results)[0]["id"]) == list(range(12))


def fake_tools(tmp_path: Path, tools: dict[str, str]) -> Path:
    """A folder of executable scripts (name: text) to put first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in tools.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def fake_slurm_env(tmp_path: Path, srun: str | None = None) -> dict:
    """The body's environment inside a job without a cluster: SLURM_JOB_ID set, an `scontrol`
    that records what it was asked in tmp/scontrol.log, and optionally an `srun` of the test's."""
    tools = {"scontrol": f'#!/usr/bin/env bash\necho "$*" >>{tmp_path}/scontrol.log\n'}
    if srun is not None:
        tools["srun"] = srun
    bin_dir = fake_tools(tmp_path, tools)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(UNAS=UNAS, SLURM_JOB_ID="4242", SLURM_NTASKS="3", PATH=f"{bin_dir}:{env['PATH']}",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def test_usr1_during_the_pre_launch_check_still_requeues(tmp_path):
    """The time-limit warning can come while `unas check` runs, before any step: the job must
    requeue (exit 3), not die with the shell's default action for SIGUSR1, and start nothing."""
    slow_unas = tmp_path / "unas"
    slow_unas.write_text(f"""#!/usr/bin/env bash
if [[ $1 == check ]]; then touch {tmp_path}/checking; sleep 2; fi
exec {UNAS} "$@"
""")
    slow_unas.chmod(0o755)
    env = fake_slurm_env(tmp_path, srun="#!/usr/bin/env bash\ntouch $LAUNCHED\n")
    env.update(UNAS=str(slow_unas), LAUNCHED=str(tmp_path / "launched"))
    results = tmp_path / "early.h5"
    running = subprocess.Popen(["bash", SCRIPT, *SIMULATED, "--set", f"run.results={results}"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until(lambda: (tmp_path / "checking").exists(), 30, "the pre-launch check")
    running.send_signal(signal.SIGUSR1)
    output = running.communicate(timeout=60)[0]
    assert running.returncode == 3, output
    assert "SIGUSR1 before the step started" in output, output
    assert "(exit 3): requeueing job 4242" in output, output
    assert (tmp_path / "scontrol.log").read_text() == "requeue 4242\n"
    assert not (tmp_path / "launched").exists()  # no step was started for a job that is going away


KILLED_STEP_SRUN = """#!/usr/bin/env bash
# srun whose step dies as when rank 0's node goes down: SIGKILL, exit 137.
exit 137
"""


def test_a_step_that_dies_requeues_until_the_requeues_are_spent(tmp_path):
    env = fake_slurm_env(tmp_path, srun=KILLED_STEP_SRUN)
    env["UNAS_MAX_REQUEUES"] = "2"
    results = tmp_path / "dying.h5"
    command = ["bash", SCRIPT, *SIMULATED, "--set", f"run.results={results}"]
    for start in (1, 2):
        done = subprocess.run(command, cwd=ROOT, env={**env, "SLURM_RESTART_COUNT": str(start - 1)},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 137, done.stdout + done.stderr
        assert f"ended with exit 137 (a rank or node died?), failure requeue {start} of 2: requeueing job 4242" in done.stdout
    lines = Path(f"{results}.requeues").read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["job 4242 start 1: exit 137", "job 4242 start 2: exit 137"]
    spent = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert spent.returncode == 137
    assert f"exit 137, not requeued: all 2 requeues after failures are spent ({results}.requeues)" in spent.stderr
    assert (tmp_path / "scontrol.log").read_text() == "requeue 4242\n" * 2
    # Bad input is not requeued: a restart would fail the same way.
    bad = subprocess.run(["bash", SCRIPT, "--set", "search.rounds=0"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and (tmp_path / "scontrol.log").read_text() == "requeue 4242\n" * 2


def test_a_job_whose_rank_0_is_killed_is_requeued_and_completes(cluster, tmp_path):
    results = tmp_path / "rank0.h5"
    job = Job(tmp_path, *SIMULATED, "--set", f"run.results={results}")
    wait_until(lambda: finished_count(results) >= 8, 90, "8 candidates before the kill")
    rank0 = [pid for pid in map(int, run("pgrep", "-f", f"run.results={results}").split())
             if f"PMIX_RANK=0".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
             and Path(f"/proc/{pid}/comm").read_text().strip() == "unas"]
    assert len(rank0) == 1, rank0
    os.kill(rank0[0], signal.SIGKILL)
    wait_until(lambda: f"requeueing job {job.id}" in job.log_text(), 60, "the job to requeue itself")
    assert "failure requeue 1 of 5" in job.log_text(), job.log_text()
    wait_until(lambda: job.show().get("JobState") == "PENDING", 30, "the job to be pending again")
    wait_until(lambda: subprocess.run(["pgrep", "-f", rf"^slurmstepd: \[{job.id}\.0\]"]).returncode == 1, 30,
               "the killed step to go")
    # slurmd refuses a start whose credential dates from the second in which it revoked the job's
    # last one ("Job credential revoked"); a cluster's two-minute hold of a requeued job covers that.
    time.sleep(2)
    run("scontrol", "update", f"JobId={job.id}", "StartTime=now")
    record = job.final(timeout=120)
    assert (record["JobState"], record["ExitCode"]) == ("COMPLETED", "0:0"), job.log_text()
    assert sorted(int(i) for i in candidates(results)[0]["id"]) == list(range(60))


def test_a_missing_experiment_file_is_one_line_and_exit_2():
    done = subprocess.run(["bash", "-c", "source slurm/lib/run_experiment.sh not_written_yet"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == ("slurm/not_written_yet.sh: experiments/not_written_yet.toml does not exist "
                           "(this experiment has not been written yet)\n")


def retrained(path: Path):
    with h5py.File(path, "r", swmr=True) as f:
        return f["retrained"][:]


def test_sbatch_retrain_after_the_search_records_every_seed(cluster, tmp_path):
    """submit_matrix.sh --retrain's chain: a search, then slurm/retrain.sh once it succeeded."""
    results = tmp_path / "searched.h5"
    search = Job(tmp_path, *SIMULATED, "--set", "simulate.mean_seconds=0.05", "--set", f"run.results={results}")
    job = Job(tmp_path, str(results), "--seeds", "3", name="retrain",
              sbatch=("--ntasks-per-node=3", f"--dependency=afterok:{search.id}", "slurm/retrain.sh"))
    assert search.final(timeout=120)["ExitCode"] == "0:0", search.log_text()
    record = job.final(timeout=120)
    assert (record["JobState"], record["ExitCode"]) == ("COMPLETED", "0:0"), job.log_text()
    rows = retrained(results)
    models = {int(i) for i in rows["id"]}
    assert len(models) >= 1 and len(rows) == 3 * len(models)
    assert {(int(r["id"]), int(r["seed_index"])) for r in rows} == {(m, k) for m in models for k in range(3)}
    assert "unas retrain" in job.log_text() and f"exit 0 ({results})" in job.log_text()
    # What the body asks before it believes the launcher's exit 0, and a fourth seed not yet run.
    assert subprocess.run([UNAS, "retrain", str(results), "--seeds", "3", "--complete"]).returncode == 0
    more = subprocess.run([UNAS, "retrain", str(results), "--seeds", "4", "--complete"], capture_output=True, text=True)
    assert (more.returncode, more.stderr) == (1, f"{results}: {3 * len(models)} of {4 * len(models)} retraining runs recorded\n")


FAKE_MPS = """#!/usr/bin/env bash
# nvidia-cuda-mps-control as the body uses it: "-d" starts the daemon, "quit" on stdin stops it.
if [[ $1 == -d ]]; then echo "start $CUDA_MPS_PIPE_DIRECTORY" >>"$MPS_LOG"; else echo "$(cat)" >>"$MPS_LOG"; fi
"""


def test_trainers_per_gpu_sizes_the_ranks_and_runs_under_mps(tmp_path):
    """Without Slurm, --trainers-per-gpu 2 on a node with 2 (claimed) GPUs: 2 x 2 + 1 ranks, CUDA MPS
    started before the run and stopped after it, and unas places two trainers on each GPU."""
    prepared_data()
    bin_dir = fake_tools(tmp_path, {"nvidia-cuda-mps-control": FAKE_MPS})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(UNAS=UNAS, UNAS_GPUS_PER_NODE="2", MPS_LOG=str(tmp_path / "mps.log"), PATH=f"{bin_dir}:{env['PATH']}")
    env.pop("UNAS_RANKS", None)
    results = tmp_path / "placed.h5"
    done = subprocess.run(["bash", SCRIPT, "--trainers-per-gpu", "2", *SIMULATED, "--set", "search.rounds=12",
                           "--set", "simulate.gpus=2", "--set", f"run.results={results}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no Slurm: mpirun with 5 ranks" in done.stdout
    assert "CUDA MPS started for 2 trainers per GPU" in done.stdout
    assert "4 trainers round-robin on 2 GPUs" in done.stdout + done.stderr
    mps = (tmp_path / "mps.log").read_text().splitlines()
    assert len(mps) == 2 and mps[0].startswith("start ") and mps[0].endswith("/pipe") and mps[1] == "quit", mps
    with h5py.File(results, "r") as f:
        c = f["candidates"][:]
    assert len(c) == 12
    assert {(int(r), d.decode()) for r, d in zip(c["rank"], c["device"])} <= {(1, "cuda:0"), (2, "cuda:1"), (3, "cuda:0"), (4, "cuda:1")}


MPIRUN_SRUN = """#!/usr/bin/env bash
# srun as the step of a job of 3 tasks on this machine: mpirun with 3 ranks.
while [[ $1 == --* ]]; do shift; done
exec mpirun -np 3 --oversubscribe --bind-to none "$@"
"""


def test_a_job_too_small_for_its_trainers_per_gpu_warns_and_runs(tmp_path):
    """Under Slurm, 4 trainers on each of 8 GPUs want 33 tasks per node; a job of 3 still runs (on
    emptier GPUs than planned) after a warning that names the sbatch option that sizes it."""
    prepared_data()
    env = fake_slurm_env(tmp_path, srun=MPIRUN_SRUN)
    env.update(SLURM_NTASKS_PER_NODE="3(x1)", SLURM_GPUS_ON_NODE="8")
    results = tmp_path / "small.h5"
    done = subprocess.run(["bash", SCRIPT, *SIMULATED, "--trainers-per-gpu", "4", "--set", "search.rounds=12",
                           "--set", f"run.results={results}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("slurm/chars74k_ae_prune.sh: warning: 4 trainers per GPU on 8 GPUs want 33 tasks per node, the job has 3: "
            "next time sbatch --ntasks-per-node=33 (slurm/submit_matrix.sh --trainers-per-gpu 4 sizes it)") in done.stderr
    assert "without CUDA MPS (no nvidia-cuda-mps-control)" in done.stdout
    with h5py.File(results, "r") as f:
        assert len(f["candidates"]) == 12
    bad = subprocess.run(["bash", SCRIPT, "--trainers-per-gpu", "0"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (bad.returncode, bad.stderr) == (2, "slurm/chars74k_ae_prune.sh: --trainers-per-gpu 0: expected a positive number\n")


def test_submit_matrix_sizes_jobs_for_trainers_per_gpu():
    done = subprocess.run(["bash", "slurm/submit_matrix.sh", "^chars74k_ae_prune$", "--trainers-per-gpu", "4",
                           "--gpus-per-node", "4", "--retrain", "2", "--dry-run"],
                          cwd=ROOT, env={**os.environ, "UNAS": UNAS}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "sbatch --parsable --gpus-per-node=4 --ntasks-per-node=17 slurm/chars74k_ae_prune.sh --trainers-per-gpu 4 "
    assert lines[1].startswith("sbatch --parsable --gpus-per-node=4 --ntasks-per-node=17 --dependency=afterok:<chars74k_ae_prune> "
                               "--job-name=retrain_chars74k_ae_prune slurm/retrain.sh ")
    assert lines[1].endswith(" --seeds 2 --trainers-per-gpu 4")
