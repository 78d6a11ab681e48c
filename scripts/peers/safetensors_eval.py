#!/usr/bin/env python3
"""Evaluates an nnreg safetensors export with the reference safetensors reader and numpy.

usage: safetensors_eval.py FILE DATA_DIR

Loads FILE with safetensors.numpy.load_file (its metadata with safe_open), checks the tensors
weights.h1 [inputs,h1], biases.b1 [h1], … weights.hN, biases.bN, weights.out [hN,10], biases.out [10]
(and normalization.mean, normalization.scale when present), runs the float32 forward pass with the
metadata's activation (sigmoid when absent) on DATA_DIR's test set and prints one JSON line:
{"accuracy": ..., "count": ..., "metadata": {...}, "shapes": {...}}. Errors go to stderr, exit 1.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

import idx

NORMALIZATION = ("normalization.mean", "normalization.scale")


def layer_names(tensors):
    """[(weights, biases)] of the hidden layers in order, then the output layer."""
    hidden = 0
    while f"weights.h{hidden + 1}" in tensors:
        hidden += 1
    return [(f"weights.h{i}", f"biases.b{i}") for i in range(1, hidden + 1)] + [("weights.out", "biases.out")]


def check_shapes(tensors, inputs, classes=10):
    """Raises ValueError unless tensors hold exactly the float32 arrays of an MLP of inputs → … → classes."""
    layers = layer_names(tensors)
    names = {name for pair in layers for name in pair}
    if NORMALIZATION[0] in tensors or NORMALIZATION[1] in tensors:
        names |= set(NORMALIZATION)
    if set(tensors) != names:
        raise ValueError(f"expected tensors {sorted(names)}, found {sorted(tensors)}")
    for name, array in tensors.items():
        if array.dtype != np.float32:
            raise ValueError(f"{name} has dtype {array.dtype}, expected float32")
    width = inputs
    for weights, biases in layers:
        w, b = tensors[weights], tensors[biases]
        if w.ndim != 2 or w.shape[0] != width or b.shape != (w.shape[1],):
            raise ValueError(f"{weights} {list(w.shape)} and {biases} {list(b.shape)} do not take {width} inputs")
        width = w.shape[1]
    if width != classes:
        raise ValueError(f"the output layer gives {width} classes, expected {classes}")
    for name in NORMALIZATION:
        if name in tensors and tensors[name].shape != (inputs,):
            raise ValueError(f"{name} has shape {list(tensors[name].shape)}, expected [{inputs}]")


def sigmoid(z):
    with np.errstate(over="ignore"):
        return np.float32(1) / (np.float32(1) + np.exp(-z))


def gelu(z):
    return np.float32(0.5) * z * (np.float32(1) + np.tanh(np.float32(0.7978845608028654) * (z + np.float32(0.044715) * z ** 3)))


ACTIVATIONS = {"sigmoid": sigmoid, "relu": lambda z: np.maximum(z, np.float32(0)), "tanh": np.tanh, "gelu": gelu}


def softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def forward(tensors, pixels, activation="sigmoid"):
    """Class probabilities [N, 10], float32 all the way."""
    a = pixels
    if NORMALIZATION[0] in tensors:
        a = (a - tensors[NORMALIZATION[0]]) / tensors[NORMALIZATION[1]]
    layers = layer_names(tensors)
    for index, (weights, biases) in enumerate(layers):
        z = a @ tensors[weights] + tensors[biases]
        a = softmax(z) if index == len(layers) - 1 else ACTIVATIONS[activation](z)
    return a


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
    activation = metadata.get("activation", "sigmoid")
    if activation not in ACTIVATIONS:
        idx.fail(f"unknown activation {activation!r} in the metadata")
    probabilities = forward(tensors, pixels, activation)
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
