#!/usr/bin/env python3
"""Trains nnreg's kind of MLP in plain numpy and saves it as safetensors, as a foreign tool would.

usage: train_foreign.py DATA_DIR OUT.safetensors [--steps N] [--hidden1 H1 --hidden2 H2] [--seed S]
                        [--batch-size B] [--learning-rate LR]

inputs-h1-h2-10, sigmoid/sigmoid/softmax, Glorot-uniform weights and zero biases from numpy's
default_rng(seed), minibatch Adam on the cross-entropy, float32 throughout. None of nnreg's code is
used. Saves weights.h1 [784,h1], biases.b1, weights.h2, biases.b2, weights.out, biases.out with
metadata {"framework": "numpy", ...}, then prints the test accuracy of its own forward pass as one
JSON line: {"accuracy": ..., "count": ...}. Errors go to stderr, exit 1.
"""
import argparse
import json
import sys

import numpy as np
from safetensors.numpy import save_file

import idx

NAMES = (("weights.h1", "biases.b1"), ("weights.h2", "biases.b2"), ("weights.out", "biases.out"))


def parse(argv):
    parser = argparse.ArgumentParser(description="Train an MLP in numpy and save it as safetensors.")
    parser.add_argument("data_dir")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--hidden1", type=int, default=256)
    parser.add_argument("--hidden2", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.005)
    args = parser.parse_args(argv[1:])
    for name in ("steps", "hidden1", "hidden2", "batch_size"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if not args.learning_rate > 0:
        parser.error("--learning-rate must be positive")
    return args


def sigmoid(z):
    with np.errstate(over="ignore"):
        return np.float32(1) / (np.float32(1) + np.exp(-z))


class Network:
    """Three dense layers; params is a list of (W, b) float32 pairs."""

    def __init__(self, sizes, rng):
        self.params = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)
            self.params.append((w, np.zeros(fan_out, dtype=np.float32)))

    def forward(self, x):
        """Activations of every layer, the input first and the softmax probabilities last."""
        activations = [x]
        for i, (w, b) in enumerate(self.params):
            z = activations[-1] @ w + b
            if i < len(self.params) - 1:
                activations.append(sigmoid(z))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                activations.append(e / e.sum(axis=1, keepdims=True))
        return activations

    def gradients(self, x, labels):
        """(mean cross-entropy, [(dW, db)]) of one batch."""
        activations = self.forward(x)
        probabilities = activations[-1]
        n = x.shape[0]
        loss = float(-np.mean(np.log(np.maximum(probabilities[np.arange(n), labels], np.float32(1e-30)))))
        delta = probabilities.copy()
        delta[np.arange(n), labels] -= np.float32(1)
        delta /= np.float32(n)
        grads = []
        for i in reversed(range(len(self.params))):
            w, _ = self.params[i]
            grads.append((activations[i].T @ delta, delta.sum(axis=0)))
            if i > 0:
                a = activations[i]
                delta = (delta @ w.T) * a * (np.float32(1) - a)
        return loss, list(reversed(grads))


class Adam:
    def __init__(self, params, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.lr, self.beta1, self.beta2, self.epsilon = learning_rate, beta1, beta2, epsilon
        self.m = [np.zeros_like(p) for pair in params for p in pair]
        self.v = [np.zeros_like(p) for pair in params for p in pair]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        flat_params = [p for pair in params for p in pair]
        flat_grads = [g for pair in grads for g in pair]
        scale = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for p, g, m, v in zip(flat_params, flat_grads, self.m, self.v):
            m *= np.float32(self.beta1)
            m += np.float32(1 - self.beta1) * g
            v *= np.float32(self.beta2)
            v += np.float32(1 - self.beta2) * g * g
            p -= np.float32(scale) * m / (np.sqrt(v) + np.float32(self.epsilon))


def main(argv):
    args = parse(argv)
    try:
        train_x, train_y = idx.load_split(args.data_dir, "train")
        test_x, test_y = idx.load_split(args.data_dir, "t10k")
    except idx.IDXError as error:
        idx.fail(str(error))
    if train_x.shape[1] != test_x.shape[1]:
        idx.fail(f"train images have {train_x.shape[1]} pixels, test images {test_x.shape[1]}")
    if train_y.size and (train_y.max() > 9 or test_y.max(initial=0) > 9):
        idx.fail("labels must be digits 0-9")

    rng = np.random.default_rng(args.seed)
    network = Network([train_x.shape[1], args.hidden1, args.hidden2, 10], rng)
    optimizer = Adam(network.params, args.learning_rate)
    loss = float("nan")
    for _ in range(args.steps):
        batch = rng.integers(0, train_x.shape[0], size=args.batch_size)
        loss, grads = network.gradients(train_x[batch], train_y[batch])
        optimizer.step(network.params, grads)

    probabilities = network.forward(test_x)[-1]
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == test_y))
    tensors = {}
    for (w_name, b_name), (w, b) in zip(NAMES, network.params):
        tensors[w_name], tensors[b_name] = np.ascontiguousarray(w), np.ascontiguousarray(b)
    metadata = {
        "framework": "numpy", "numpy_version": np.__version__, "steps": str(args.steps),
        "hidden1": str(args.hidden1), "hidden2": str(args.hidden2), "seed": str(args.seed),
        "batch_size": str(args.batch_size), "learning_rate": repr(args.learning_rate),
        "optimizer": "adam", "final_loss": repr(loss), "test_accuracy": repr(accuracy),
    }
    save_file(tensors, args.out, metadata=metadata)
    print(json.dumps({"accuracy": accuracy, "count": int(test_y.shape[0])}))


if __name__ == "__main__":
    main(sys.argv)
