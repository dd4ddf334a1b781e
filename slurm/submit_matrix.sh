#!/usr/bin/env bash
# Submits the ablation matrix (every slurm/<experiment>.sh), or the part of it whose names match
# FILTER, and then analysis/make_report.py over their results files as a job that starts once all
# of them have ended (--dependency=afterany; a requeued job has not ended).
#
#   slurm/submit_matrix.sh [FILTER] [--scale NAME] [--ranks N] [--trainers-per-gpu N [--gpus-per-node G]]
#                          [--retrain K] [--dry-run] [-- UNAS_RUN_ARGS...]
#
#   FILTER       extended regex on experiment names, e.g. 'chars74k' or '^mnist_ae(_prune)?$'
#                (default: all)
#   --scale      run at that scale (experiments/scales/NAME.toml); results/<name>.<scale>.h5,
#                report in results/report.<scale>/
#   --ranks N    MPI ranks per job (sbatch --ntasks-per-node; the scripts ask for 9 with 8 GPUs)
#   --trainers-per-gpu N
#                N trainer ranks share each GPU (under CUDA MPS where installed): each job gets
#                G x N + 1 tasks per node (unless --ranks says otherwise) and the scripts the option
#   --gpus-per-node G
#                GPUs per node to ask for (default: the scripts' 8)
#   --retrain K  after each search, retrain its front from scratch with K seeds (slurm/retrain.sh,
#                once the search has succeeded); the report then waits for those jobs too
#   --dry-run    check and print what would be submitted, submit nothing
#   -- ARGS      passed on to `unas run` (e.g. --set search.rounds=500)
#
# Each experiment is checked first (`unas check`): one whose file does not exist yet or whose data
# set is missing is skipped with the reason. sbatch takes its usual variables (SBATCH_ACCOUNT,
# SBATCH_PARTITION, ...); on this machine, `scripts/local-slurm.sh up` starts a cluster to submit to.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() {
  echo "submit_matrix: $*" >&2
  exit 2
}

filter="" scale="" ranks="" retrain="" dry_run=false unas_args=() trainers_per_gpu="" gpus_per_node=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --scale) [[ $# -ge 2 ]] || die "--scale needs a name"; scale=$2; shift 2 ;;
    --ranks) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--ranks needs a positive number"; ranks=$2; shift 2 ;;
    --trainers-per-gpu) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--trainers-per-gpu needs a positive number"; trainers_per_gpu=$2; shift 2 ;;
    --gpus-per-node) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--gpus-per-node needs a positive number"; gpus_per_node=$2; shift 2 ;;
    --retrain) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--retrain needs a positive number of seeds"; retrain=$2; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    --) shift; unas_args=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z $filter ]] || die "one FILTER only (got '$filter' and '$1')"; filter=$1; shift ;;
  esac
done
regex_status=0
grep -qE -- "$filter" <<<"" 2>/dev/null || regex_status=$?
[[ $regex_status -ne 2 ]] || die "FILTER '$filter' is not an extended regex"

[[ -n ${SLURM_CONF:-} || -f /etc/slurm/slurm.conf ]] || eval "$(bash scripts/local-slurm.sh env)"
$dry_run || command -v sbatch >/dev/null || die "sbatch not found: start a cluster (scripts/local-slurm.sh up) or run slurm/<experiment>.sh with bash"
unas=${UNAS:-build/bin/unas}
[[ -x $unas ]] || die "$unas not found: build it first (bash scripts/build.sh)"

run_args=("${unas_args[@]}")
[[ -z $scale ]] || run_args=(--scale "$scale" "${run_args[@]}")
sbatch_args=(--parsable)
[[ -z $gpus_per_node ]] || sbatch_args+=(--gpus-per-node="$gpus_per_node")
script_args=()  # the body's own options, before unas's
if [[ -n $trainers_per_gpu ]]; then
  script_args=(--trainers-per-gpu "$trainers_per_gpu")
  [[ -n $ranks ]] || ranks=$((${gpus_per_node:-8} * trainers_per_gpu + 1))
fi
[[ -z $ranks ]] || sbatch_args+=(--ntasks-per-node="$ranks")
mkdir -p logs results

job_ids=() results=() skipped=0
for script in slurm/*.sh; do
  name=$(basename "$script" .sh)
  [[ $name != submit_matrix && $name != retrain ]] || continue
  [[ -z $filter || $name =~ $filter ]] || continue
  if ! checked=$("$unas" check "experiments/$name.toml" "${run_args[@]}" --results 2>&1); then
    echo "submit_matrix: skipped $name: ${checked#unas: error: }"
    skipped=$((skipped + 1))
    continue
  fi
  results+=("$checked")
  if $dry_run; then
    echo "sbatch ${sbatch_args[*]} $script ${script_args[*]} ${run_args[*]}"
    job_ids+=("<$name>")
  else
    job_ids+=("$(sbatch "${sbatch_args[@]}" "$script" "${script_args[@]}" "${run_args[@]}" | cut -d';' -f1)")
    echo "submit_matrix: $name: job ${job_ids[-1]} -> ${results[-1]}"
  fi
  if [[ -n $retrain ]]; then
    after=(--dependency=afterok:"${job_ids[-1]}" --job-name="retrain_$name")
    if $dry_run; then
      echo "sbatch ${sbatch_args[*]} ${after[*]} slurm/retrain.sh ${results[-1]} --seeds $retrain ${script_args[*]}"
      job_ids+=("<retrain_$name>")
    else
      job_ids+=("$(sbatch "${sbatch_args[@]}" "${after[@]}" slurm/retrain.sh "${results[-1]}" --seeds "$retrain" "${script_args[@]}" | cut -d';' -f1)")
      echo "submit_matrix: $name: retrain job ${job_ids[-1]} (after ${job_ids[-2]})"
    fi
  fi
done
[[ ${#job_ids[@]} -gt 0 ]] || die "nothing to submit (${skipped} skipped${filter:+, filter '$filter'})"

report_dir=results/report${scale:+.$scale}
report=(--parsable --job-name=unas_report --ntasks=1 --time=01:00:00 --output=logs/%x-%j.out
  --dependency=afterany:"$(IFS=:; echo "${job_ids[*]}")"
  --wrap="/usr/bin/python3 analysis/make_report.py ${results[*]} --out $report_dir")
if $dry_run; then
  echo "sbatch ${report[*]}"
else
  echo "submit_matrix: report: job $(sbatch "${report[@]}" | cut -d';' -f1) -> $report_dir/report.md" \
    "(after ${#job_ids[@]} jobs)"
fi
