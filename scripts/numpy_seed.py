"""The seed workload in NumPy with hand-written backprop, for a same-machine, same-moment comparison
with `nnreg-bench train`: python3 scripts/numpy_seed.py [DATA_DIR]. Prints NAME VALUE UNIT lines."""
import sys
import time

import numpy as np


def idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def main(data):
    x = idx(f"{data}/train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255.0
    y = idx(f"{data}/train-labels-idx1-ubyte", 8).astype(np.int64)
    xt = idx(f"{data}/t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255.0
    yt = idx(f"{data}/t10k-labels-idx1-ubyte", 8).astype(np.int64)
    rng = np.random.default_rng(1)
    w1 = (rng.standard_normal((784, 128)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((128, 256)) * 0.05).astype(np.float32)
    w3 = (rng.standard_normal((256, 10)) * 0.05).astype(np.float32)
    b1, b2, b3 = (np.zeros(n, np.float32) for n in (128, 256, 10))
    lr = np.float32(0.001)

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
    for step in range(1, 3001):
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
        if step % 100 == 0:
            _, _, p = forward(xb)
            loss = -np.log(np.clip(p[np.arange(256), yb], 1e-9, 1)).sum()
    seconds = time.perf_counter() - start
    accuracy = (forward(xt)[2].argmax(1) == yt).mean()
    print(f"numpy.seconds_3000 {seconds:.2f} s")
    print(f"numpy.test_accuracy {accuracy:.4f} fraction")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/mnist")
