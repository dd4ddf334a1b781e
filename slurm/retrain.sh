#!/usr/bin/env bash
# Retrains the models a search found from scratch, K seeds each (unas retrain), into its results file.
# sbatch (from the repository root) or bash (no Slurm) this file RESULTS [--seeds K] [--top N] [--ids A,B]; --help
#SBATCH --job-name=retrain
#SBATCH --nodes=1 --ntasks-per-node=9 --cpus-per-task=2 --gpus-per-node=8
#SBATCH --time=24:00:00 --signal=B:USR1@300 --requeue --open-mode=append
#SBATCH --output=logs/%x-%j.out
source "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}/slurm/lib/run_experiment.sh" --retrain "$@"
