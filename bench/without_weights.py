#!/usr/bin/env python3
"""Copies a unas results file without its stored model weights (/weights, /weight_index).

What is left (proposals, candidates, retrained rows, the experiment and its attributes) is all
the analysis reads, in a few kilobytes, so a benchmark's runs can be committed and a later session
can add runs to the same benchmark on a fresh machine.

    python3 bench/without_weights.py SOURCE.h5 DEST.h5
"""
import sys
from pathlib import Path

import h5py

WEIGHT_DATASETS = {"weights", "weight_index"}


def copy_without_weights(source: Path, dest: Path) -> None:
    partial = dest.with_name(dest.name + ".partial")
    with h5py.File(source, "r") as src, h5py.File(partial, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for name in src:
            if name not in WEIGHT_DATASETS:
                src.copy(src[name], dst, name=name)
    partial.replace(dest)  # a kill leaves no half-written file under the final name


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    source, dest = map(Path, argv)
    try:
        copy_without_weights(source, dest)
    except OSError as error:
        print(f"without_weights: {source}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
