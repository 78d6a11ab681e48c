"""The seed workload in NumPy with hand-written backprop, for a same-machine, same-moment comparison
with `nnreg-bench train`, and a program nnreg did not write for `nnreg track` to record:

    python3 scripts/numpy_seed.py [DATA_DIR] [--steps N] [--learning-rate LR] [--display-step N]

Prints the seed's lines (`step: N, loss: L, accuracy: A` every display step, then `Test Accuracy: A`),
then NAME VALUE UNIT lines for the benchmark."""
import argparse
import time

import numpy as np


def idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def main(data, steps, lr, display_step):
    x = idx(f"{data}/train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255.0
    y = idx(f"{data}/train-labels-idx1-ubyte", 8).astype(np.int64)
    xt = idx(f"{data}/t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255.0
    yt = idx(f"{data}/t10k-labels-idx1-ubyte", 8).astype(np.int64)
    rng = np.random.default_rng(1)
    w1 = (rng.standard_normal((784, 128)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((128, 256)) * 0.05).astype(np.float32)
    w3 = (rng.standard_normal((256, 10)) * 0.05).astype(np.float32)
    b1, b2, b3 = (np.zeros(n, np.float32) for n in (128, 256, 10))
    lr = np.float32(lr)

    def forward(xb):
        h1 = 1 / (1 + np.exp(-(xb @ w1 + b1)))
        h2 = 1 / (1 + np.exp(-(h1 @ w2 + b2)))
        z = h2 @ w3 + b3
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return h1, h2, e / e.sum(axis=1, keepdims=True)

    # tf.data-style shuffle buffer over the repeated training set.
    buffer = list(range(5000))
    cursor = 5000
    start = time.perf_counter()
    for step in range(1, steps + 1):
        batch = np.empty(256, np.int64)
        for i in range(256):
            slot = rng.integers(5000)
            batch[i] = buffer[slot]
            buffer[slot] = cursor % 60000
            cursor += 1
        xb, yb = x[batch], y[batch]
        h1, h2, p = forward(xb)
        d3 = p.copy()
        d3[np.arange(256), yb] -= 1  # gradient of the batch-sum cross-entropy through softmax
        d2 = (d3 @ w3.T) * h2 * (1 - h2)
        d1 = (d2 @ w2.T) * h1 * (1 - h1)
        w3 -= lr * (h2.T @ d3); b3 -= lr * d3.sum(0)
        w2 -= lr * (h1.T @ d2); b2 -= lr * d2.sum(0)
        w1 -= lr * (xb.T @ d1); b1 -= lr * d1.sum(0)
        if step % display_step == 0 or step == 1:
            _, _, p = forward(xb)
            loss = -np.log(np.clip(p[np.arange(256), yb], 1e-9, 1)).sum()
            batch_accuracy = (p.argmax(1) == yb).mean()
            print(f"step: {step}, loss: {loss:.6f}, accuracy: {batch_accuracy:.6f}", flush=True)
    seconds = time.perf_counter() - start
    accuracy = (forward(xt)[2].argmax(1) == yt).mean()
    print(f"Test Accuracy: {accuracy:.6f}")
    print(f"numpy.seconds_3000 {seconds:.2f} s")
    print(f"numpy.test_accuracy {accuracy:.4f} fraction")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default="data/mnist")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--display-step", type=int, default=100)
    arguments = parser.parse_args()
    main(arguments.data, arguments.steps, arguments.learning_rate, arguments.display_step)
