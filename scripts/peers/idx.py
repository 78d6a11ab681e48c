"""Reads MNIST-format IDX files (raw or gzip) for the peer scripts.

A DATA_DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte, each possibly with a .gz suffix. Pixels become float32 x / 255, one row of
rows*cols values per image, the way nnreg feeds its network.
"""
import gzip
import os
import sys

import numpy as np

# IDX type byte -> numpy big-endian dtype.
_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IDXError(Exception):
    """An IDX file that is missing, malformed or does not fit its partner file."""


def find(data_dir, name):
    """The path of `name` or `name.gz` in data_dir; raw wins when both exist."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    raise IDXError(f"{data_dir} has neither {name} nor {name}.gz")


def read_idx(path):
    """The array an IDX file holds, shaped by its header; refuses sizes that disagree with the file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise IDXError(f"{path}: not an IDX file (magic {data[:4].hex()})")
    ndims = data[3]
    header = 4 + 4 * ndims
    if len(data) < header:
        raise IDXError(f"{path}: header cut short")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise IDXError(f"{path}: dims {dims} need {expected} bytes of data, file has {len(data) - header}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)


def load_split(data_dir, prefix):
    """(pixels float32 [N, rows*cols] in [0, 1], labels int64 [N]) of the 'train' or 't10k' split."""
    images = read_idx(find(data_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(data_dir, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise IDXError(f"{prefix}: images {images.shape} do not match labels {labels.shape}")
    pixels = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)
    return pixels, labels.astype(np.int64)


def fail(message):
    """Reports a problem on stderr as one line and exits 1."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
