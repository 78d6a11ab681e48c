#!/usr/bin/env python3
"""Evaluates an nnreg safetensors export with the reference safetensors reader and numpy.

usage: safetensors_eval.py FILE DATA_DIR

Loads FILE with safetensors.numpy.load_file (its metadata with safe_open), checks the six tensors
weights.h1 [784,h1], biases.b1 [h1], weights.h2 [h1,h2], biases.b2 [h2], weights.out [h2,10],
biases.out [10], runs the float32 forward pass on DATA_DIR's test set and prints one JSON line:
{"accuracy": ..., "count": ..., "metadata": {...}, "shapes": {...}}. Errors go to stderr, exit 1.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

import idx

WEIGHTS = ("weights.h1", "weights.h2", "weights.out")
BIASES = ("biases.b1", "biases.b2", "biases.out")
NAMES = WEIGHTS + BIASES


def check_shapes(tensors, inputs, classes=10):
    """Raises ValueError unless tensors hold exactly the six float32 arrays of an inputs-h1-h2-classes MLP."""
    if set(tensors) != set(NAMES):
        raise ValueError(f"expected tensors {sorted(NAMES)}, found {sorted(tensors)}")
    for name, array in tensors.items():
        if array.dtype != np.float32:
            raise ValueError(f"{name} has dtype {array.dtype}, expected float32")
    w1, w2, w3 = (tensors[name] for name in WEIGHTS)
    if w1.ndim != 2 or w2.ndim != 2 or w3.ndim != 2:
        raise ValueError(f"weights must be matrices: {w1.shape}, {w2.shape}, {w3.shape}")
    h1, h2 = w1.shape[1], w2.shape[1]
    expected = {"weights.h1": (inputs, h1), "biases.b1": (h1,), "weights.h2": (h1, h2), "biases.b2": (h2,),
                "weights.out": (h2, classes), "biases.out": (classes,)}
    for name, shape in expected.items():
        if tensors[name].shape != shape:
            raise ValueError(f"{name} has shape {list(tensors[name].shape)}, expected {list(shape)}")


def sigmoid(z):
    with np.errstate(over="ignore"):
        return np.float32(1) / (np.float32(1) + np.exp(-z))


def softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def forward(tensors, pixels):
    """Class probabilities [N, 10], float32 all the way."""
    a1 = sigmoid(pixels @ tensors["weights.h1"] + tensors["biases.b1"])
    a2 = sigmoid(a1 @ tensors["weights.h2"] + tensors["biases.b2"])
    return softmax(a2 @ tensors["weights.out"] + tensors["biases.out"])


def accuracy(probabilities, labels):
    return float(np.mean(np.argmax(probabilities, axis=1) == labels))


def main(argv):
    if len(argv) != 3:
        idx.fail("usage: safetensors_eval.py FILE DATA_DIR")
    path, data_dir = argv[1], argv[2]
    try:
        tensors = load_file(path)
        with safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
    except Exception as error:  # the reader's own exception types vary between versions
        idx.fail(f"{path}: safetensors refused the file: {error}")
    try:
        pixels, labels = idx.load_split(data_dir, "t10k")
        check_shapes(tensors, inputs=pixels.shape[1])
    except (idx.IDXError, ValueError) as error:
        idx.fail(str(error))
    probabilities = forward(tensors, pixels)
    if not np.all(np.isfinite(probabilities)):
        idx.fail("the forward pass produced non-finite probabilities")
    print(json.dumps({
        "accuracy": accuracy(probabilities, labels),
        "count": int(labels.shape[0]),
        "metadata": metadata,
        "shapes": {name: list(array.shape) for name, array in sorted(tensors.items())},
    }))


if __name__ == "__main__":
    main(sys.argv)
