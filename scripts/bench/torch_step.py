#!/usr/bin/env python3
"""Time per training step of a dense network in PyTorch on the CPU, beside `nnreg train`.

usage: torch_step.py DATA_DIR [--hidden 1024,1024] [--steps 200] [--warmup 20] [--threads 2] [--compile]

The network and update nnreg trains with `--hidden H1,H2 --activation relu --optimizer adam
--learning-rate 1e-3`: inputs/255 → Linear → ReLU → … → Linear → softmax cross-entropy (summed over
the batch), Adam, batch 256 drawn at random from the MNIST training set (IDX files in DATA_DIR).
Prints one JSON line: {"ms_per_step", "steps", "threads", "compiled", "torch", "test_accuracy"}.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "peers"))
import idx  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--hidden", default="1024,1024")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x, y = idx.load_split(args.data, "train")
    tx, ty = idx.load_split(args.data, "t10k")
    x, y = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    widths = [x.shape[1]] + [int(w) for w in args.hidden.split(",") if w] + [10]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")

    def step(batch_x, batch_y):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        return loss

    run = torch.compile(step) if args.compile else step
    generator = np.random.default_rng(1)
    batches = [torch.from_numpy(generator.integers(0, x.shape[0], args.batch)) for _ in range(args.steps + args.warmup)]
    for i in range(args.warmup):
        run(x[batches[i]], y[batches[i]])
    start = time.perf_counter()
    for i in range(args.warmup, args.warmup + args.steps):
        run(x[batches[i]], y[batches[i]])
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = float((model(torch.from_numpy(tx)).argmax(1).numpy() == ty).mean())
    print(json.dumps({"ms_per_step": 1000 * seconds / args.steps, "steps": args.steps, "threads": args.threads,
                      "compiled": args.compile, "torch": torch.__version__, "test_accuracy": accuracy}))


if __name__ == "__main__":
    main()
