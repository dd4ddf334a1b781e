#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the slurm/ scripts, the quick start and the
# `slurm` tests: munged, slurmctld and slurmd started as root without systemd, in seconds.
#
#   scripts/local-slurm.sh up       install the packages if missing, write the config, start the
#                                   daemons that are not running, wait until the node is idle
#   scripts/local-slurm.sh down     stop the daemons this script started (its pid files), nothing else
#   scripts/local-slurm.sh status   exit 0 and say so when the cluster answers, else exit 1
#   scripts/local-slurm.sh env      print `export SLURM_CONF=...` once `up` has written it (eval it
#                                   in a shell to use sbatch, squeue, scontrol there)
#   scripts/local-slurm.sh outcome JOBID
#                                   print the job's last "JobState ExitCode" (e.g. COMPLETED 0:0);
#                                   exit 1 while it has none
#
# Everything lives in $UNAS_SLURM_DIR (default /run/unas-slurm): slurm.conf, state, logs, pid
# files, and jobcomp.txt, where each finished job leaves its JobState and ExitCode (jobs vanish
# from `scontrol show job` seconds after they end, and `sbatch --wait`'s exit code is not the
# job's outcome). The node advertises more CPUs (UNAS_SLURM_CPUS, 32) than the machine has and
# fake GPUs (UNAS_SLURM_GPUS, 8: device nodes that are /dev/null; torch finds no GPU and trains on
# the CPU), so the GPU requests of slurm/*.sh are met unchanged; the partition oversubscribes.
set -euo pipefail

DIR=${UNAS_SLURM_DIR:-/run/unas-slurm}
CONF=$DIR/slurm.conf
CPUS=${UNAS_SLURM_CPUS:-32}
GPUS=${UNAS_SLURM_GPUS:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DAEMONS=(munged slurmctld slurmd)  # started in this order, stopped in reverse

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "local-slurm: $*" >&2
  exit 2
}

# A pid file names a running process of that program.
alive() {
  local file=$1 program=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ -n $pid && -r /proc/$pid/comm && $(</proc/"$pid"/comm) == "$program" ]]
}

pid_file() { echo "$DIR/pids/$1.pid"; }

cluster_answers() {
  [[ -f $CONF ]] && SLURM_CONF=$CONF timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'
}

write_config() {
  local host memory_mb
  host=$(hostname -s)
  memory_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
  mkdir -p "$DIR"/{state,spool,log,pids}
  cat >"$CONF" <<EOF
# Written by scripts/local-slurm.sh: one node, root daemons, no cgroups, no accounting database.
ClusterName=unas-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run-slurmctld.pid
SlurmdPidFile=$DIR/run-slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Jobs leave squeue 5 s after they end and start without the usual batch delay, so that
# \`sbatch --wait\` returns in about two seconds.
MinJobAge=5
SchedulerParameters=batch_sched_delay=0
KillWait=10
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName=$host CPUs=$CPUS RealMemory=$memory_mb $([[ $GPUS -gt 0 ]] && echo "Gres=gpu:$GPUS") State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
EOF
  write_fake_gpus "$host"
}

# slurmd drops GPUs without device files, and wants character devices: each fake GPU is a
# device node equal to /dev/null (1, 3), which nothing can misuse.
write_fake_gpus() {
  local host=$1 k
  : >"$DIR/gres.conf"
  [[ $GPUS -gt 0 ]] || return 0
  mkdir -p "$DIR/fake-gpu"
  for ((k = 0; k < GPUS; k++)); do
    [[ -c $DIR/fake-gpu/nvidia$k ]] || mknod "$DIR/fake-gpu/nvidia$k" c 1 3
  done
  echo "NodeName=$host Name=gpu File=$DIR/fake-gpu/nvidia[0-$((GPUS - 1))]" >"$DIR/gres.conf"
}

start_munged() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    return  # someone's munged answers: use it, and leave it alone on `down`
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged --force
  cp /run/munge/munged.pid "$(pid_file munged)"
}

start_slurm_daemon() {
  local name=$1
  alive "$(pid_file "$name")" "$name" && return
  # A daemon of ours that died leaves its port bound for a moment; a foreign one is an error.
  if pgrep -x "$name" >/dev/null; then
    die "a $name not started by this script is running (pid $(pgrep -x "$name" | head -1)); stop it first"
  fi
  SLURM_CONF=$CONF "/usr/sbin/$name" -f "$CONF"
  local own_pid_file=$DIR/run-$name.pid
  for _ in $(seq 50); do
    [[ -s $own_pid_file ]] && break
    sleep 0.1
  done
  [[ -s $own_pid_file ]] || die "$name did not start: see $DIR/log/$name.log"
  cp "$own_pid_file" "$(pid_file "$name")"
}

wait_for_idle_node() {
  # A node drained by an earlier configuration (the saved state outlives it) comes back.
  SLURM_CONF=$CONF scontrol update NodeName="$(hostname -s)" State=RESUME 2>/dev/null || true
  for _ in $(seq 100); do
    if SLURM_CONF=$CONF sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)$'; then
      return
    fi
    sleep 0.1
  done
  die "the node did not come up: see $DIR/log/slurmctld.log and $DIR/log/slurmd.log"
}

up() {
  [[ $(id -u) -eq 0 ]] || die "up: run as root (the daemons run as root here)"
  bash "$ROOT/scripts/install-deps.sh" slurmctld slurmd slurm-client munge >/dev/null
  if cluster_answers && alive "$(pid_file slurmd)" slurmd; then
    echo "local-slurm: already up ($CONF)"
    return
  fi
  write_config
  start_munged
  start_slurm_daemon slurmctld
  start_slurm_daemon slurmd
  wait_for_idle_node
  echo "local-slurm: up, one node with $CPUS CPUs and $GPUS GPUs (fake); export SLURM_CONF=$CONF"
}

down() {
  local name pid stopped=()
  for ((k = ${#DAEMONS[@]} - 1; k >= 0; k--)); do
    name=${DAEMONS[k]}
    if alive "$(pid_file "$name")" "$name"; then
      pid=$(<"$(pid_file "$name")")
      kill "$pid"
      for _ in $(seq 50); do
        [[ -d /proc/$pid ]] || break
        sleep 0.1
      done
      stopped+=("$name")
    fi
    rm -f "$(pid_file "$name")"
  done
  echo "local-slurm: stopped ${stopped[*]:-nothing (none of its daemons was running)}"
}

status() {
  if cluster_answers; then
    echo "local-slurm: up ($CONF): $(SLURM_CONF=$CONF sinfo -h -o '%n %T, %c CPUs, %G')"
  else
    echo "local-slurm: down"
    return 1
  fi
}

outcome() {
  local job=${1:-} line
  [[ $job =~ ^[0-9]+$ ]] || die "outcome: expected a job id (got '$job')"
  line=$(grep "^JobId=$job " "$DIR/jobcomp.txt" 2>/dev/null | tail -1) || return 1
  sed -E 's/.* JobState=([A-Z_]+) .* ExitCode=([0-9]+:[0-9]+).*/\1 \2/' <<<"$line"
}

case ${1:-} in
  up | down | status) "$1" ;;
  outcome) outcome "${2:-}" ;;
  env) [[ ! -f $CONF ]] || echo "export SLURM_CONF=$CONF" ;;
  -h | --help) usage ;;
  *) die "expected up, down, status, env or outcome (got '${1:-}'); see --help" ;;
esac
