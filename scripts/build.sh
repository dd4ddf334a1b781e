#!/usr/bin/env bash
# Configures and builds unas into build/ (Release-like, with debug info). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
