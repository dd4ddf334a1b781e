#!/usr/bin/env bash
# MNIST, aging evolution + structured pruning, accelerated (weight inheritance + early stopping).
# sbatch (from the repository root) or bash (no Slurm) this file [--scale local] [--set key=value]; --help
#SBATCH --job-name=mnist_ae_prune_fast
#SBATCH --nodes=1 --ntasks-per-node=9 --cpus-per-task=2 --gpus-per-node=8
#SBATCH --time=24:00:00 --signal=B:USR1@300 --requeue --open-mode=append
#SBATCH --output=logs/%x-%j.out
source "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}/slurm/lib/run_experiment.sh" mnist_ae_prune_fast "$@"
