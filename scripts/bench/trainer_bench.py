#!/usr/bin/env python3
"""The trainer's figures (issue 23), side by side in one sitting, on this machine's CPU.

usage: trainer_bench.py --nnreg PATH --python VENV_PYTHON --torch-python TORCH_PYTHON --data MNIST_DIR
                        [--fashion FASHION_DIR] [--rounds 7]

1. The seed command, whole process (start to exit), alternating nnreg and the NumPy reference loop
   (scripts/numpy_seed.py), --rounds runs each: medians and their ratio.
2. CPU while another process takes a core: nnreg's user+system time, alternating runs on an idle
   machine and beside a busy loop; medians and their ratio.
3. 784-1024-1024-10 ReLU + Adam, batch 256: milliseconds per step of nnreg (the difference of a
   100-step and a 400-step run, so start-up and evaluation cancel) and of PyTorch eager and with
   torch.compile (scripts/bench/torch_step.py, two threads), alternating, medians of 3 rounds.
4. Accuracy: 784-256-256-10 ReLU, Adam 1e-3, 3,000 steps on MNIST and on Fashion-MNIST.
Prints NAME VALUE UNIT lines.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from common import cpu_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def report(name, value, unit):
    print(f"{name} {value:.4g} {unit}", flush=True)


def timed(command, env=None):
    """(wall seconds, user+system CPU seconds of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def nnreg_train(args, db, extra):
    return [args.nnreg, "train", "--db", db, "--data", args.data, "--predictions", "0", "--json"] + extra


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnreg", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--torch-python", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"# CPU: {cpu_model()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db")

        # 1. The seed command against NumPy, whole process.
        ours, numpy = [], []
        for _ in range(args.rounds):
            ours.append(timed(nnreg_train(args, db, []))[0])
            numpy.append(timed([args.python, os.path.join(ROOT, "scripts", "numpy_seed.py"), args.data])[0])
        report("seed.nnreg_whole_process_median", statistics.median(ours), "s")
        report("seed.numpy_whole_process_median", statistics.median(numpy), "s")
        report("seed.speedup_over_numpy", statistics.median(numpy) / statistics.median(ours), "x")

        # 2. CPU time beside a busy process.
        idle, busy = [], []
        for _ in range(max(3, args.rounds // 2)):
            idle.append(timed(nnreg_train(args, db, []))[1])
            spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                time.sleep(0.3)
                busy.append(timed(nnreg_train(args, db, []))[1])
            finally:
                spinner.kill()
                spinner.wait()
        report("seed.cpu_seconds_idle_median", statistics.median(idle), "s")
        report("seed.cpu_seconds_beside_busy_core_median", statistics.median(busy), "s")
        report("seed.cpu_busy_over_idle", statistics.median(busy) / statistics.median(idle), "x")

        # 3. The bigger network per step.
        big = ["--hidden", "1024,1024", "--activation", "relu", "--optimizer", "adam", "--learning-rate", "1e-3",
               "--display-step", "100000", "--checkpoint-every", "100000"]
        step_ms, eager, compiled = [], [], []
        torch_script = os.path.join(HERE, "torch_step.py")
        for _ in range(3):
            short = json.loads(timed(nnreg_train(args, db, big + ["--steps", "100"]))[2])["seconds"]
            long = json.loads(timed(nnreg_train(args, db, big + ["--steps", "400"]))[2])["seconds"]
            step_ms.append(1000 * (long - short) / 300)
            eager.append(json.loads(timed([args.torch_python, torch_script, args.data])[2])["ms_per_step"])
            compiled.append(json.loads(timed([args.torch_python, torch_script, args.data, "--compile"])[2])["ms_per_step"])
        best_torch = min(statistics.median(eager), statistics.median(compiled))
        report("big.nnreg_ms_per_step_median", statistics.median(step_ms), "ms")
        report("big.torch_eager_ms_per_step_median", statistics.median(eager), "ms")
        report("big.torch_compiled_ms_per_step_median", statistics.median(compiled), "ms")
        report("big.speedup_over_faster_torch", best_torch / statistics.median(step_ms), "x")

        # 4. Accuracy.
        relu = ["--hidden", "256,256", "--activation", "relu", "--optimizer", "adam", "--learning-rate", "1e-3"]
        mnist = json.loads(timed(nnreg_train(args, db, relu))[2])
        report("accuracy.mnist_relu_adam_256x256", mnist["test_accuracy"], "fraction")
        if os.path.isdir(args.fashion):
            fashion = json.loads(timed([args.nnreg, "train", "--db", db, "--data", args.fashion, "--predictions", "0",
                                        "--json"] + relu)[2])
            report("accuracy.fashion_mnist_relu_adam_256x256", fashion["test_accuracy"], "fraction")
        else:
            print(f"# no Fashion-MNIST at {args.fashion} (apt-get install dataset-fashion-mnist)", flush=True)


if __name__ == "__main__":
    main()
