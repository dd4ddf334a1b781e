#!/usr/bin/env bash
# Quick-start command 2: installs dependencies, prepares the data sets (the `slurm` tests run the
# Chars74K experiment on its stand-in), builds, and runs the whole test suite.
# Extra arguments go to ctest (e.g. `-L unit` for the fast unit tests only).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/prepare-data.sh
bash scripts/build.sh
cd build && ctest --output-on-failure -j"$(nproc)" "$@"
