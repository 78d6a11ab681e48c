#!/usr/bin/env python3
"""Writes test images of an IDX dataset as the files `nnreg predict --input` and the scoring
endpoint take, each with the library that defines its format: PNG and JPEG (Pillow), CSV (Python's
csv module, values repr(x / 255)), .npy and .npz (numpy).

usage: write_inputs.py DATA_DIR OUT_DIR INDEX...

Files for the images at INDEX... of the test split:
  digitK.png        28x28 8-bit grayscale PNG of image K (lossless: the same bytes)
  digitK-rgb56.png  the image in RGB, twice the size (nearest), for the resize path
  digitK-dark.png   inverted (dark digit on white), for --invert
  digitK.jpg        grayscale JPEG, quality 95 (lossy)
  rows.csv          a header (label, pixel0..pixel783) and one row per index: label, x/255 as float64
  rows32.npy        float32 [n, 784] = x / 255
  rows64.npy        float64 [n, 28, 28] = x / 255
  rows.npz          x_test uint8 [n, 28, 28] and y_test
Prints one JSON line: {"files": [...], "labels": [...]}.
"""
import csv
import json
import os
import sys

import numpy as np
from PIL import Image

import idx


def main(argv):
    if len(argv) < 4:
        idx.fail("usage: write_inputs.py DATA_DIR OUT_DIR INDEX...")
    data_dir, out_dir, indices = argv[1], argv[2], [int(a) for a in argv[3:]]
    images = idx.read_idx(idx.find(data_dir, "t10k-images-idx3-ubyte"))
    labels = idx.read_idx(idx.find(data_dir, "t10k-labels-idx1-ubyte"))
    os.makedirs(out_dir, exist_ok=True)
    raw = np.stack([images[i] for i in indices]).astype(np.uint8)  # [n, 28, 28]
    files = []
    for k, i in enumerate(indices):
        gray = Image.fromarray(raw[k], mode="L")
        for name, picture, kwargs in [
            (f"digit{i}.png", gray, {}),
            (f"digit{i}-rgb56.png", gray.convert("RGB").resize((56, 56), Image.NEAREST), {}),
            (f"digit{i}-dark.png", Image.fromarray(255 - raw[k], mode="L"), {}),
            (f"digit{i}.jpg", gray, {"quality": 95}),
        ]:
            path = os.path.join(out_dir, name)
            picture.save(path, **kwargs)
            files.append(path)
    with open(os.path.join(out_dir, "rows.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label"] + [f"pixel{j}" for j in range(784)])
        for k, i in enumerate(indices):
            writer.writerow([int(labels[i])] + [repr(float(b) / 255) for b in raw[k].reshape(-1)])
    np.save(os.path.join(out_dir, "rows32.npy"), raw.reshape(-1, 784).astype(np.float32) / np.float32(255))
    np.save(os.path.join(out_dir, "rows64.npy"), raw.astype(np.float64) / 255)
    np.savez(os.path.join(out_dir, "rows.npz"), x_test=raw, y_test=np.array([labels[i] for i in indices], dtype=np.int64))
    files += [os.path.join(out_dir, n) for n in ["rows.csv", "rows32.npy", "rows64.npy", "rows.npz"]]
    print(json.dumps({"files": files, "labels": [int(labels[i]) for i in indices]}))


if __name__ == "__main__":
    main(sys.argv)
