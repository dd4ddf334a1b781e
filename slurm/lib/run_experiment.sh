# The one body of every slurm/<experiment>.sh, which sources it with the experiment's name and
# its own arguments: runs `unas run experiments/<experiment>.toml ARGS...`, on a Slurm cluster or
# on a machine without one; and of slurm/retrain.sh, which sources it with --retrain and its
# arguments: runs `unas retrain RESULTS ARGS...`. Not meant to be run by itself.
#
# Under Slurm (SLURM_JOB_ID is set): `srun --mpi=pmix` starts one unas per task; rank 0 searches,
# the others train. Slurm's warning before the time limit (`--signal=B:USR1@...`) reaches only
# this batch shell, and preemption sends it SIGTERM: both are forwarded to the step as SIGUSR1,
# so that every rank hears it. unas then records what finishes within [run] grace_seconds and
# exits 3; this body requeues the job (`scontrol requeue`), and the job, started again with the
# same arguments, resumes from the results file.
# A stop signal that arrives before the step starts (during the pre-launch check, or between
# launches) requeues the job the same way, without starting the step.
# Anything else it cannot absorb (rank 0 or a whole node dies, the launcher fails) ends the step
# with another exit status: since resuming is exact, the body requeues on every status but 0
# (done) and 2 (bad input: a restart would fail the same way), at most UNAS_MAX_REQUEUES times
# per results file (default 5). Those requeues are counted in RESULTS.requeues, one line each with
# its reason, and not through SLURM_RESTART_COUNT, which also counts the time-limit requeues that
# a search of several days needs.
# Without Slurm: `mpirun -np $UNAS_RANKS` (default: cores + 1, since the searcher barely uses a
# core), with the same forwarding; exit 3 is left to the caller (run the script again to resume).
#
# Trainers per GPU (`--trainers-per-gpu N`, default $UNAS_TRAINERS_PER_GPU or 1): µNAS candidates
# are kilobyte networks that leave most of a GPU idle, so several trainer ranks may share one. unas
# puts each node's trainers round-robin on its GPUs; this body checks that the job has the tasks
# for that (G GPUs per node x N, + 1 for the searcher: sbatch --ntasks-per-node, which
# slurm/submit_matrix.sh --trainers-per-gpu sets; with fewer it warns and runs), and with N > 1
# starts CUDA MPS (nvidia-cuda-mps-control, when installed; UNAS_MPS=0 leaves it off) for the step
# and stops it after, so that the trainers' kernels run side by side instead of taking turns.
# Without a GPU the option changes nothing: trainers per core, as before. The default stays 1
# until a GPU measurement (bench/device_packing.sh) says otherwise.
#
# Environment: UNAS (the unas binary; default build/bin/unas), UNAS_RANKS (mpirun's -np),
# UNAS_MAX_REQUEUES (5), UNAS_TRAINERS_PER_GPU (1), UNAS_GPUS_PER_NODE (default: what Slurm
# allocated, else CUDA_VISIBLE_DEVICES, else nvidia-smi's count, else 0), UNAS_MPS (1).

set -euo pipefail

unas_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ $1 == --retrain ]]; then
  unas_mode=retrain
  unas_script=slurm/retrain.sh
else
  unas_mode=run
  unas_experiment=$1
  unas_script=slurm/$unas_experiment.sh
fi
shift

unas_usage() {
  if [[ $unas_mode == retrain ]]; then
    cat <<EOF
usage: sbatch $unas_script RESULTS [--seeds K] [--top N] [--ids A,B] [--trainers-per-gpu N]   (from the repository root)
       bash $unas_script RESULTS [...]     (no Slurm: mpirun with \${UNAS_RANKS:-GPUs x N + 1, else cores + 1} ranks)

Runs \`unas retrain RESULTS ...\`: the models a search found (results/<name>.h5), retrained from
scratch on the experiment's full schedule with K seeds each. A stopped retrain (time limit,
preemption) exits 3 and requeues its job, which resumes from the results file.
EOF
    return
  fi
  cat <<EOF
usage: sbatch $unas_script [--trainers-per-gpu N] [UNAS_RUN_ARGS...]   (from the repository root)
       bash $unas_script [...]     (no Slurm: mpirun with \${UNAS_RANKS:-GPUs x N + 1, else cores + 1} ranks)

Runs \`unas run experiments/$unas_experiment.toml UNAS_RUN_ARGS...\`, e.g. --scale local,
--scale smoke, --set search.rounds=100. A stopped run (time limit, preemption) exits 3 and
requeues its job, which resumes from the results file. --trainers-per-gpu N (default 1) puts N
trainer ranks on each GPU (under CUDA MPS where installed); the job then needs GPUs x N + 1 tasks
per node (sbatch --ntasks-per-node; slurm/submit_matrix.sh --trainers-per-gpu sizes it).
EOF
}

unas_fail() {
  echo "$unas_script: $*" >&2
  exit 2
}

# A stop signal (Slurm's time-limit warning, preemption) is remembered from the first line on:
# one that arrives while no step runs (the pre-launch check, the pause between launches) must
# still requeue the job, not kill this shell.
unas_stop_signal=
unas_remember_stop() { trap 'unas_stop_signal=USR1' USR1; trap 'unas_stop_signal=TERM' TERM; }
unas_remember_stop

# Runs a command in the background and forwards SIGUSR1 and SIGTERM to it as SIGUSR1 (both mean
# "stop and record" to unas, and srun and mpirun pass SIGUSR1 to every rank unchanged); returns
# its exit code. `wait` returns early when a trapped signal arrives, hence the loop.
unas_run_forwarding() {
  "$@" &
  local child=$! code=0
  trap 'unas_stop_signal=USR1; kill -USR1 '"$child"' 2>/dev/null || true' USR1
  trap 'unas_stop_signal=TERM; kill -USR1 '"$child"' 2>/dev/null || true' TERM
  while kill -0 "$child" 2>/dev/null; do
    wait "$child" || true
  done
  wait "$child" || code=$?
  unas_remember_stop
  return "$code"
}

# Under Slurm, after the step: requeue the job when resuming can finish what stopped it.
unas_requeue_if_resumable() {
  local reason requeues_file=$unas_results.requeues max=$unas_max_requeues
  case $unas_code in
    0 | 2) return ;;
    3) reason="stopped with its state recorded (exit 3)" ;;
    *)
      local spent=0
      [[ -f $requeues_file ]] && spent=$(wc -l <"$requeues_file")
      if ((spent >= max)); then
        echo "$unas_script: exit $unas_code, not requeued: all $max requeues after failures are spent ($requeues_file)" >&2
        return
      fi
      reason="ended with exit $unas_code (a rank or node died?), failure requeue $((spent + 1)) of $max"
      echo "$(date -u +%FT%TZ) job $SLURM_JOB_ID start $unas_start: exit $unas_code" >>"$requeues_file"
      ;;
  esac
  echo "$unas_script: $reason: requeueing job $SLURM_JOB_ID to resume"
  scontrol requeue "$SLURM_JOB_ID" || echo "$unas_script: requeue refused: submit the same command again to resume" >&2
}

# Whether every round (every retraining run) is recorded.
unas_is_complete() {
  if [[ $unas_mode == run ]]; then
    "$unas_binary" inspect "$unas_results" --complete
  else
    "$unas_binary" retrain "$unas_results" "$@" --complete
  fi
}

# Exit 0 must mean the run is complete: srun also says 0 when its tasks failed to launch.
unas_confirm_complete() {
  if [[ $unas_code -eq 0 ]] && ! unas_is_complete "$@"; then
    echo "$unas_script: the launcher ended with 0 but the run is not complete: failing" >&2
    unas_code=1
  fi
  echo "$unas_script: exit $unas_code ($unas_results)"
}

case ${1:-} in
  -h | --help)
    unas_usage
    exit 0
    ;;
esac

# --trainers-per-gpu is this body's, wherever it stands; the rest goes to unas.
unas_trainers_per_gpu=${UNAS_TRAINERS_PER_GPU:-1}
unas_args=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == --trainers-per-gpu ]]; then
    [[ $# -ge 2 ]] || unas_fail "--trainers-per-gpu needs a number"
    unas_trainers_per_gpu=$2
    shift 2
  else
    unas_args+=("$1")
    shift
  fi
done
set -- "${unas_args[@]}"
[[ $unas_trainers_per_gpu =~ ^[1-9][0-9]*$ ]] || unas_fail "--trainers-per-gpu $unas_trainers_per_gpu: expected a positive number"

# GPUs per node: UNAS_GPUS_PER_NODE, else what Slurm allocated, else CUDA_VISIBLE_DEVICES, else nvidia-smi.
unas_count_gpus() {
  if [[ -n ${UNAS_GPUS_PER_NODE:-} ]]; then
    echo "$UNAS_GPUS_PER_NODE"
  elif [[ -n ${SLURM_GPUS_ON_NODE:-} ]]; then
    echo "$SLURM_GPUS_ON_NODE"
  elif [[ -n ${CUDA_VISIBLE_DEVICES:-} ]]; then
    tr ',' '\n' <<<"$CUDA_VISIBLE_DEVICES" | grep -c .
  elif command -v nvidia-smi >/dev/null; then
    nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true
  else
    echo 0
  fi
}
unas_gpus=$(unas_count_gpus)
[[ $unas_gpus =~ ^[0-9]+$ ]] || unas_fail "UNAS_GPUS_PER_NODE=$unas_gpus: expected a number"
unas_ranks_per_node=$((unas_gpus * unas_trainers_per_gpu + 1))

# CUDA MPS lets the kernels of several processes share a GPU at once; without it they take turns.
# Each node runs a control daemon of its own, with this job's pipe and log directories.
unas_mps=false
unas_on_every_node() {
  if [[ -n ${SLURM_JOB_ID:-} && ${SLURM_JOB_NUM_NODES:-1} -gt 1 ]]; then
    srun --ntasks-per-node=1 --overlap bash -c "$1"
  else
    bash -c "$1"
  fi
}
unas_start_mps() {
  ((unas_gpus > 0 && unas_trainers_per_gpu > 1)) && [[ ${UNAS_MPS:-1} != 0 ]] || return 0
  if ! command -v nvidia-cuda-mps-control >/dev/null; then
    echo "$unas_script: $unas_trainers_per_gpu trainers per GPU without CUDA MPS (no nvidia-cuda-mps-control): they take turns"
    return 0
  fi
  local dir=${TMPDIR:-/tmp}/unas-mps-${SLURM_JOB_ID:-$$}
  export CUDA_MPS_PIPE_DIRECTORY=$dir/pipe CUDA_MPS_LOG_DIRECTORY=$dir/log
  unas_on_every_node 'mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY" && nvidia-cuda-mps-control -d' ||
    unas_fail "CUDA MPS did not start (nvidia-cuda-mps-control -d); UNAS_MPS=0 runs without it"
  unas_mps=true
  echo "$unas_script: CUDA MPS started for $unas_trainers_per_gpu trainers per GPU"
}
unas_stop_mps() {
  $unas_mps || return 0
  unas_mps=false
  unas_on_every_node 'echo quit | nvidia-cuda-mps-control' || echo "$unas_script: CUDA MPS did not stop cleanly" >&2
}
trap unas_stop_mps EXIT

cd "$unas_root"
unas_binary=${UNAS:-build/bin/unas}
[[ -x $unas_binary ]] || unas_fail "$unas_binary not found: build it first (bash scripts/build.sh)"

# Checked here, before any rank starts: the experiment, its data set, and where its results go
# (for a retrain: that the results file is there and readable).
if [[ $unas_mode == retrain ]]; then
  unas_results=${1:-}
  [[ -n $unas_results && $unas_results != -* ]] || unas_fail "the results file of a search comes first (see --help)"
  shift
  "$unas_binary" inspect "$unas_results" >/dev/null || exit 2
  unas_command=(retrain "$unas_results")
else
  unas_file=experiments/$unas_experiment.toml
  [[ -f $unas_file ]] || unas_fail "$unas_file does not exist (this experiment has not been written yet)"
  unas_check_args=()
  for unas_arg in "$@"; do
    [[ $unas_arg == --resume ]] || unas_check_args+=("$unas_arg")  # a run-only flag
  done
  unas_results=$("$unas_binary" check "$unas_file" "${unas_check_args[@]}" --results) || exit 2
  unas_command=(run "$unas_file" --set "run.trainers_per_gpu=$unas_trainers_per_gpu")
fi

# OpenMPI's shared-memory transport uses ptrace for single copies, which containers forbid.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}

unas_code=0
if [[ -n ${SLURM_JOB_ID:-} ]]; then
  unas_start=$((${SLURM_RESTART_COUNT:-0} + 1))
  unas_max_requeues=${UNAS_MAX_REQUEUES:-5}
  [[ $unas_max_requeues =~ ^[0-9]+$ ]] || unas_fail "UNAS_MAX_REQUEUES=$unas_max_requeues: expected a number"
  echo "$unas_script: job $SLURM_JOB_ID (start $unas_start) on $(hostname -s), ${SLURM_NTASKS:-?} tasks: unas ${unas_command[*]} $*"
  # SLURM_NTASKS_PER_NODE reads "33" or "33(x2)".
  unas_tasks_per_node=${SLURM_NTASKS_PER_NODE:-${SLURM_NTASKS:-0}}
  unas_tasks_per_node=${unas_tasks_per_node%%(*}
  # Too few tasks for the trainers asked for: it runs, on emptier GPUs than planned.
  if ((unas_trainers_per_gpu > 1 && unas_gpus > 0 && unas_tasks_per_node < unas_ranks_per_node)); then
    echo "$unas_script: warning: $unas_trainers_per_gpu trainers per GPU on $unas_gpus GPUs want $unas_ranks_per_node tasks per node, the job has $unas_tasks_per_node: next time sbatch --ntasks-per-node=$unas_ranks_per_node (slurm/submit_matrix.sh --trainers-per-gpu $unas_trainers_per_gpu sizes it)" >&2
  fi
  unas_start_mps
  # A step can fail to launch and srun still say 0, e.g. right after a requeue while the stopped
  # step is still being torn down on the node; resuming is exact, so launching again is safe.
  for unas_attempt in 1 2 3; do
    if [[ -n $unas_stop_signal ]]; then  # it came before this launch: nothing runs to record it
      echo "$unas_script: SIG$unas_stop_signal before the step started"
      unas_code=3
      break
    fi
    unas_code=0
    unas_run_forwarding srun --mpi=pmix --kill-on-bad-exit=1 "$unas_binary" "${unas_command[@]}" "$@" || unas_code=$?
    [[ $unas_code -eq 0 && $unas_attempt -lt 3 ]] && ! unas_is_complete "$@" >/dev/null 2>&1 || break
    echo "$unas_script: srun ended with 0 but the run is not complete (did its tasks launch?): launching again in 10 s" >&2
    sleep 10
  done
  unas_confirm_complete "$@"
  unas_requeue_if_resumable
else
  if ((unas_gpus > 0)); then
    unas_ranks=${UNAS_RANKS:-$unas_ranks_per_node}
  else
    unas_ranks=${UNAS_RANKS:-$(($(nproc) + 1))}
  fi
  [[ $unas_ranks =~ ^[1-9][0-9]*$ ]] || unas_fail "UNAS_RANKS=$unas_ranks: expected a positive number of ranks"
  # mpirun refuses root unless told; the ranks outnumber the cores on purpose.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  echo "$unas_script: no Slurm: mpirun with $unas_ranks ranks: unas ${unas_command[*]} $*"
  if [[ -n $unas_stop_signal ]]; then
    echo "$unas_script: SIG$unas_stop_signal before the run started: not starting it"
    unas_code=3
  else
    unas_start_mps
    unas_run_forwarding mpirun -np "$unas_ranks" --oversubscribe --bind-to none "$unas_binary" "${unas_command[@]}" "$@" ||
      unas_code=$?
  fi
  unas_confirm_complete "$@"
fi
exit "$unas_code"
