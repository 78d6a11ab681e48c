#!/usr/bin/env python3
"""Scoring with `nnreg serve --model` beside ONNX Runtime and MLflow, in one sitting on loopback (issue 24's figures).

    python scripts/bench/serve_bench.py --nnreg .build/release/nnreg --serve-python .venv-serve/bin/python \
        [--mlflow .venv-mlflow/bin/mlflow] [--nnreg-bench .build/release/nnreg-bench] [--rounds 3]

1. A store with the seed network (784-128-256-10 sigmoid, 3,000 steps) registered as digits@champion
   and exported to ONNX (or --db STORE --onnx FILE of your own; the alias step below then registers
   one more version into that store and moves its alias back where it was).
2. Single-row HTTP throughput: wrk (2 threads, 64 connections, 10 s after a 2 s warm-up) POSTs one
   MNIST test image per request, {"inputs": [[784 floats]]}, 100 different images round-robin
   (serve_post.lua), to `nnreg serve --model digits@champion`, to the same .onnx file under ONNX
   Runtime behind ort_server.py (2 worker processes, 1 intra-op thread each), and with --mlflow to
   `mlflow models serve --env-manager local --workers 2` of an MLflow pyfunc model running that .onnx
   file (mlflow_onnx_model.py, logged into a local SQLite store: no network). Rounds interleave the
   servers; medians of requests/s, p50 and p99. Any non-2xx answer or socket error stops the bench.
   Beside them, the same wrk against floor_server.c (built here with cc): an epoll loop per core that
   answers every request with one fixed prediction, parsing no JSON and computing nothing. What it
   reaches is the ceiling of any server on these cores under this load (loopback TCP and wrk itself).
3. In-process batch scoring of the 10,000 test images in one call: InferenceSession.run on the
   float32 [10000,784] array with 2 and with 1 intra-op threads (median of 7 after a warm-up), and
   `nnreg-bench score ... --repeat 7` (its own median_ms=) when --nnreg-bench has that command.
4. Alias move: while a client sends requests on one keep-alive connection, a second version (a
   300-step run) is registered, then `nnreg model alias` moves champion to it and back, 5 times;
   the time from the command's return to the first answer naming the new version
   (nnreg-model-version header), median and max. Every answer must be a 200 whose probabilities are
   those the version it names gives when addressed directly (/models/digits:vN/invocations).
Prints a table (figure, nnreg, peer, ratio, goal) and one JSON line with every figure. The machine
may be shared: each round says how many cores other processes took meanwhile (from /proc/stat, less
this bench's own process tree), so that a disturbed round can be told apart.
"""
import argparse
import http.client
import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import numpy as np
from common import cpu_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def log(message):
    print(f"[serve_bench] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command, env=None):
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{(done.stderr or done.stdout)[-2000:]}")
    return done.stdout


def test_pixels(data):
    """The MNIST test set's pixels, uint8 [10000,784]."""
    with open(os.path.join(data, "t10k-images-idx3-ubyte"), "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)


FLOOR = "floor (fixed answer, no JSON read)"


class Server:
    """A server in its own process group, up once GET /ping answers 200."""

    def __init__(self, name, command, port, env=None, log_path=os.devnull, timeout=180):
        self.name, self.port, self.url = name, port, f"http://127.0.0.1:{port}"
        self.log_path = log_path
        started = time.perf_counter()
        with open(log_path, "w") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        while True:
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.process.returncode}: {' '.join(command)}\n{self.tail()}")
            if time.perf_counter() - started > timeout:
                self.stop()
                raise RuntimeError(f"{name} did not answer /ping within {timeout} s: {' '.join(command)}\n{self.tail()}")
            time.sleep(0.05)
        self.startup_s = time.perf_counter() - started

    def tail(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-1500:]
        except OSError:
            return ""

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def post(url, body, path="/invocations"):
    """(status, headers, parsed JSON) of one POST."""
    request = urllib.request.Request(url + path, data=body.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")


def probabilities(answer):
    return np.array([p["probabilities"] for p in answer["predictions"]], dtype=np.float64)


def check_answers(server, bodies, expected, atol):
    """The first images through the server: 200s of the agreed shape, the ONNX file's probabilities."""
    worst = 0.0
    for i in range(5):
        status, _, answer = post(server.url, bodies[i])
        if status != 200:
            sys.exit(f"{server.name}: POST /invocations answered {status}: {answer}")
        try:
            got = probabilities(answer)
            classes = [p["class"] for p in answer["predictions"]]
        except (KeyError, TypeError) as e:
            sys.exit(f"{server.name}: not {{\"predictions\": [{{\"class\", \"probabilities\"}}]}}: {str(answer)[:300]} ({e})")
        if got.shape != (1, 10) or classes != [int(expected[i].argmax())]:
            sys.exit(f"{server.name}: image {i}: class {classes}, shape {got.shape}; ONNX Runtime says {int(expected[i].argmax())}")
        worst = max(worst, float(np.abs(got[0] - expected[i]).max()))
    if worst > atol:
        log(f"WARNING: {server.name}'s probabilities differ from ONNX Runtime's on the same file by up to {worst:.2g}")
    return worst


TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds():
    """CPU seconds the whole machine has spent busy (all cores)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK  # less idle and iowait


def own_seconds():
    """CPU seconds of this process, its reaped children (wrk) and its live descendants (the servers)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append((int(entry), (int(fields[11]) + int(fields[12])) / TICK))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0.0, [os.getpid()]
    while todo:
        for pid, cpu in children.get(todo.pop(), []):
            total += cpu
            todo.append(pid)
    t = os.times()
    return total + t.user + t.system + t.children_user + t.children_system


def wrk(args, url, bodies_file, seconds):
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds}s", "--timeout", "5s",
               "-s", os.path.join(HERE, "serve_post.lua"), url + "/invocations", "--", bodies_file]
    out = run(command)
    line = next((l for l in out.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        sys.exit(f"wrk printed no WRK_JSON line:\n{out}")
    return json.loads(line[len("WRK_JSON "):])


def throughput(args, servers, bodies_file):
    """Rounds of wrk against each server in turn; medians, and every error counted."""
    results = {s.name: [] for s in servers}
    for round_ in range(args.rounds):
        for server in servers:
            log(f"round {round_ + 1} of {args.rounds}: wrk against {server.name} ({args.warmup} s warm-up, {args.duration} s)")
            wrk(args, server.url, bodies_file, args.warmup)
            busy, own, start = busy_seconds(), own_seconds(), time.perf_counter()
            figures = wrk(args, server.url, bodies_file, args.duration)
            wall = time.perf_counter() - start
            # Cores other processes took meanwhile (the machine is shared): the rounds to distrust.
            figures["others_cores"] = round(max(0.0, (busy_seconds() - busy) - (own_seconds() - own)) / wall, 2)
            log(f"  {server.name}: {figures['requests_per_s']:,.0f} requests/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms "
                f"(other processes took {figures['others_cores']} cores)")
            if figures["non_2xx_3xx"] or figures["socket_errors"]:
                sys.exit(f"FAILED: {server.name} gave {figures['non_2xx_3xx']} non-2xx answers and {figures['socket_errors']} "
                         f"socket errors out of {figures['requests']} requests under wrk")
            results[server.name].append(figures)
    return {name: {"requests_per_s": statistics.median(r["requests_per_s"] for r in runs),
                   "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                   "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                   "max_ms": max(r["max_ms"] for r in runs),
                   "requests": sum(r["requests"] for r in runs),
                   "non_2xx": sum(r["non_2xx_3xx"] for r in runs),
                   "rounds": [round(r["requests_per_s"]) for r in runs], "others_cores": [r["others_cores"] for r in runs]}
            for name, runs in results.items()}


def ort_batch_ms(onnx_path, x, threads, repeat):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x}
    session.run(None, feed)
    session.run(None, feed)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        session.run(None, feed)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def nnreg_batch_ms(args, db, npy):
    """nnreg-bench score's own median, or why there is none yet."""
    if not args.nnreg_bench:
        return None, "pending (no --nnreg-bench)"
    if not os.access(args.nnreg_bench, os.X_OK):
        return None, f"pending ({args.nnreg_bench} not found)"
    command = [args.nnreg_bench, "score", "--db", db, "--model", args.model, "--input", npy, "--repeat", str(args.repeat)]
    done = subprocess.run(command, capture_output=True, text=True)
    match = re.search(r"median_ms=([0-9.eE+-]+)", done.stdout)
    if done.returncode != 0 or not match:
        why = (done.stderr or done.stdout).strip().splitlines()
        return None, f"pending ({' '.join(command[:2])}: {why[-1] if why else 'exit ' + str(done.returncode)})"
    return float(match.group(1)), None


def batch(args, db, onnx_path, x, npy):
    import onnxruntime as ort

    ours, ort2, ort1, others, why = [], [], [], [], None
    for round_ in range(args.batch_rounds):
        busy, own, start = busy_seconds(), own_seconds(), time.perf_counter()
        value, why = nnreg_batch_ms(args, db, npy)
        if value is not None:
            ours.append(value)
        ort2.append(ort_batch_ms(onnx_path, x, 2, args.repeat))
        ort1.append(ort_batch_ms(onnx_path, x, 1, args.repeat))
        others.append(round(max(0.0, (busy_seconds() - busy) - (own_seconds() - own)) / (time.perf_counter() - start), 2))
        log(f"batch round {round_ + 1} of {args.batch_rounds}: 10,000 rows in one call: nnreg-bench score "
            f"{'pending' if value is None else f'{value:.2f} ms'}, ONNX Runtime {ort2[-1]:.2f} ms with 2 threads, "
            f"{ort1[-1]:.2f} ms with 1 (other processes took {others[-1]} cores)")
    return {"nnreg_ms": statistics.median(ours) if ours else None, "nnreg_why": why,
            "ort_2_threads_ms": statistics.median(ort2), "ort_1_thread_ms": statistics.median(ort1),
            "others_cores": others, "onnxruntime": ort.__version__}


class Client(threading.Thread):
    """Sends requests on one keep-alive connection until stopped; keeps (time, status, version, image, probabilities)."""

    def __init__(self, port, bodies):
        super().__init__(daemon=True)
        self.port, self.bodies, self.answers, self.stopping, self.error = port, bodies, [], False, None
        self.scanned = 0  # answers before this index came before the current move's start

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        i = 0
        try:
            while not self.stopping:
                image = i % len(self.bodies)
                connection.request("POST", "/invocations", body=self.bodies[image], headers=headers)
                r = connection.getresponse()
                data = r.read()
                got = None
                if r.status == 200:
                    try:
                        got = probabilities(json.loads(data))[0]
                    except (ValueError, KeyError, TypeError, IndexError):
                        got = None
                self.answers.append((time.perf_counter(), r.status, r.getheader("nnreg-model-version"), image, got))
                i += 1
        except Exception as e:  # counted as a failure by the caller
            self.error = repr(e)

    def first_since(self, start, version):
        """When the first answer received at or after START named VERSION, if one has yet."""
        answers = self.answers
        end = len(answers)  # the list only grows (appends are atomic)
        while self.scanned < end:
            t, _, named, _, _ = answers[self.scanned]
            if t >= start and named == version:
                return t
            self.scanned += 1
        return None


def alias_moves(args, db, bodies, scratch):
    nnreg, name, alias = args.nnreg, args.model.split("@")[0], args.model.split("@")[1]
    resolved = json.loads(run([nnreg, "model", "resolve", "--db", db, args.model, "--json"]))
    first = resolved["version"]
    log("alias: training a second, 300-step run for the next version")
    short = f"serve-bench-short-{os.getpid()}"
    run([nnreg, "train", "--db", db, "--data", args.data, "--steps", "300", "--name", short, "--predictions", "0", "--json"])
    port = free_port()
    server = Server("nnreg serve (alias)", [nnreg, "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port),
                                            "--model", args.model] + shlex.split(args.nnreg_serve_args), port,
                    log_path=os.path.join(scratch, "nnreg-alias.log"))
    images = bodies[:10]
    client = Client(port, images)
    try:
        client.start()
        time.sleep(0.5)
        registered = json.loads(run([nnreg, "model", "register", "--db", db, name, short, "--json"]))
        second = registered["version"]
        versions = {v: f"{name}:v{v}" for v in (first, second)}
        reference = {}
        for v, ref in versions.items():
            rows = []
            for body in images:
                status, _, answer = post(server.url, body, f"/models/{ref}/invocations")
                if status != 200:
                    sys.exit(f"nnreg serve: POST /models/{ref}/invocations answered {status}: {answer}")
                rows.append(probabilities(answer)[0])
            reference[ref] = np.array(rows)
        moves = []
        for move in range(args.moves):
            target = second if move % 2 == 0 else first
            time.sleep(0.3)
            start = time.perf_counter()
            run([nnreg, "model", "alias", "--db", db, name, alias, str(target)])
            returned = time.perf_counter()
            while True:
                seen = client.first_since(start, versions[target])
                if seen is not None or client.error or time.perf_counter() - returned > 30:
                    break
                time.sleep(0.0005)
            if seen is None:
                sys.exit(f"FAILED: no answer named {versions[target]} within 30 s of moving {alias} "
                         f"({client.error or 'the client kept getting the old version'})")
            moves.append({"to": versions[target], "start": start, "returned": returned, "first": seen,
                          "ms": max(0.0, 1000 * (seen - returned)), "command_ms": 1000 * (returned - start)})
            log(f"  {alias} -> {versions[target]}: first answer from it {moves[-1]['ms']:.1f} ms after the command returned "
                f"(the command took {moves[-1]['command_ms']:.0f} ms)")
        time.sleep(0.2)
    finally:
        client.stopping = True
        client.join(timeout=30)
        server.stop()
    if json.loads(run([nnreg, "model", "resolve", "--db", db, args.model, "--json"]))["version"] != first:
        run([nnreg, "model", "alias", "--db", db, name, alias, str(first)])  # back where it was
    # Every answer: a 200, naming a version, with that version's probabilities; and after a move's
    # first answer from the new version, none from the old one until the next move.
    failures = {"non_200": 0, "no_version": 0, "mismatched": 0, "old_after_new": 0}
    for t, status, version, image, got in client.answers:
        if status != 200:
            failures["non_200"] += 1
        elif version not in reference:
            failures["no_version"] += 1
        elif got is None or got.shape != (10,) or np.abs(got - reference[version][image]).max() > args.alias_atol:
            failures["mismatched"] += 1
    for i, move in enumerate(moves):
        end = moves[i + 1]["start"] if i + 1 < len(moves) else float("inf")
        failures["old_after_new"] += sum(1 for t, _, version, _, _ in client.answers
                                         if move["first"] < t < end and version != move["to"])
    if client.error:
        failures["client_error"] = client.error
    ms = [m["ms"] for m in moves]
    return {"median_ms": statistics.median(ms), "max_ms": max(ms), "moves_ms": [round(m, 2) for m in ms],
            "answers": len(client.answers), "failures": failures,
            "difference_between_versions": float(np.abs(reference[versions[first]] - reference[versions[second]]).max())}


def mlflow_server(args, onnx_path, scratch):
    """`mlflow models serve` of the .onnx file as a registered MLflow model, or the reason it cannot run."""
    bin_dir = os.path.dirname(os.path.abspath(args.mlflow))
    python = os.path.join(bin_dir, "python")
    probe = subprocess.run([python, "-c", "import mlflow, onnxruntime"], capture_output=True, text=True)
    if probe.returncode != 0:
        return None, f"{python} cannot import mlflow and onnxruntime: {probe.stderr.strip().splitlines()[-1]}"
    uri = f"sqlite:///{scratch}/mlflow.db"
    env = dict(os.environ, MLFLOW_TRACKING_URI=uri, MLFLOW_REGISTRY_URI=uri, PATH=bin_dir + os.pathsep + os.environ["PATH"])
    log("mlflow: logging the .onnx file as a pyfunc model and registering it as digits@champion")
    done = subprocess.run([python, os.path.join(HERE, "mlflow_onnx_model.py"), "--tracking-uri", uri,
                           "--artifacts", os.path.join(scratch, "mlflow-artifacts"), "--onnx", onnx_path],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return None, f"mlflow_onnx_model.py failed: {done.stderr.strip().splitlines()[-1]}"
    port = free_port()
    log("mlflow: starting mlflow models serve -m models:/digits@champion --env-manager local --workers 2")
    try:
        return Server("mlflow models serve", [args.mlflow, "models", "serve", "-m", "models:/digits@champion",
                                              "--env-manager", "local", "--workers", "2", "-h", "127.0.0.1",
                                              "-p", str(port)], port, env=env,
                      log_path=os.path.join(scratch, "mlflow-serve.log")), None
    except RuntimeError as e:
        return None, str(e).splitlines()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nnreg", required=True, help="the nnreg binary (a release build)")
    parser.add_argument("--serve-python", default=os.path.join(ROOT, ".venv-serve", "bin", "python"),
                        help="the Python with onnxruntime, numpy, orjson and uvloop for ort_server.py (make venv-serve)")
    parser.add_argument("--mlflow", help="MLflow's `mlflow` command, in a venv that also has onnxruntime (make "
                                         "venv-mlflow-server); left out: no MLflow figure")
    parser.add_argument("--nnreg-bench", help="nnreg-bench, for `score` (the in-process batch figure)")
    parser.add_argument("--data", default=os.path.join(ROOT, "data", "mnist"))
    parser.add_argument("--db", help="a store with MODEL registered (default: a fresh one with the seed network)")
    parser.add_argument("--onnx", help="MODEL exported to ONNX (default: exported from the store)")
    parser.add_argument("--model", default="digits@champion", help="NAME@ALIAS to serve")
    parser.add_argument("--nnreg-serve-args", default="", help="more options for nnreg serve, e.g. '--batch-wait-ms 1'")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measured run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds over all servers (medians kept)")
    parser.add_argument("--repeat", type=int, default=7, help="batch runs per median")
    parser.add_argument("--batch-rounds", type=int, default=3)
    parser.add_argument("--moves", type=int, default=5, help="alias moves")
    parser.add_argument("--alias-atol", type=float, default=1e-5)
    parser.add_argument("--skip-nnreg-serve", action="store_true", help="peers only (before nnreg serve --model exists)")
    args = parser.parse_args()
    if "@" not in args.model:
        parser.error("--model must be NAME@ALIAS")
    load = os.getloadavg()
    busy, own = busy_seconds(), own_seconds()
    time.sleep(3)
    others = round(max(0.0, (busy_seconds() - busy) - (own_seconds() - own)) / 3, 2)
    results = {"cpu": cpu_model(), "load_at_start": [round(l, 2) for l in load], "others_cores_at_start": others}
    print(f"# CPU: {results['cpu']}; load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"other processes took {others} cores over the 3 s before", flush=True)
    if others > 0.2:
        log(f"WARNING: other processes are taking {others} cores: the figures will be rough (each round says how many)")

    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or os.path.join(scratch, "store.sqlite")
        if not args.db:
            log("store: training the seed network and registering it as " + args.model)
            run([args.nnreg, "train", "--db", db, "--data", args.data, "--name", "seed", "--predictions", "0", "--json"])
            run([args.nnreg, "model", "register", "--db", db, args.model.split("@")[0], "seed",
                 "--alias", args.model.split("@")[1], "--json"])
        onnx_path = args.onnx or os.path.join(scratch, "model.onnx")
        if not args.onnx:
            run([args.nnreg, "export", "--db", db, args.model, "--output", onnx_path, "--json"])
        pixels = test_pixels(args.data)
        x = pixels.astype(np.float32) / 255
        npy = os.path.join(scratch, "t10k.npy")
        np.save(npy, x)
        # What a client would send: pixel/255 as JSON numbers (0.0 for the blank ones).
        bodies = [json.dumps({"inputs": [(pixels[i] / 255).tolist()]}) for i in range(100)]
        bodies_file = os.path.join(scratch, "bodies.txt")
        with open(bodies_file, "w") as f:
            f.write("\n".join(bodies) + "\n")
        import onnxruntime as ort

        expected = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(None, {"pixels": x[:100]})[0]

        # 2. Throughput: every server up at once (idle ones take no CPU), wrk against each in turn.
        servers, notes = [], []
        try:
            if not args.skip_nnreg_serve:
                port = free_port()
                try:
                    servers.append(Server("nnreg", [args.nnreg, "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port),
                                                    "--model", args.model] + shlex.split(args.nnreg_serve_args), port,
                                          log_path=os.path.join(scratch, "nnreg.log")))
                except RuntimeError as e:
                    notes.append(f"nnreg serve --model did not start: {str(e).strip().splitlines()[-1]}")
                    log(notes[-1])
            port = free_port()
            servers.append(Server("onnxruntime", [args.serve_python, os.path.join(HERE, "ort_server.py"), onnx_path,
                                                  "--port", str(port), "--workers", "2", "--threads", "1"], port,
                                  log_path=os.path.join(scratch, "ort.log")))
            floor_binary = os.path.join(scratch, "floor_server")
            built = subprocess.run(["cc", "-O2", "-pthread", "-o", floor_binary, os.path.join(HERE, "floor_server.c")],
                                   capture_output=True, text=True)
            if built.returncode == 0:
                port = free_port()
                servers.append(Server(FLOOR, [floor_binary, str(port), "2"], port, log_path=os.path.join(scratch, "floor.log")))
            else:
                notes.append(f"floor server: no figure: cc failed: {built.stderr.strip()[-300:]}")
                log(notes[-1])
            if args.mlflow:
                server, why = mlflow_server(args, onnx_path, scratch)
                if server:
                    servers.append(server)
                else:
                    notes.append(f"mlflow models serve: no figure: {why}")
                    log(notes[-1])
            for server in servers:
                if server.name == FLOOR:
                    continue  # its one fixed answer is the point
                results.setdefault("max_abs_difference_from_ort", {})[server.name] = check_answers(server, bodies, expected, 1e-4)
                if server.name == "nnreg":
                    _, headers, _ = post(server.url, bodies[0])
                    version = {k.lower(): v for k, v in headers.items()}.get("nnreg-model-version")
                    results["nnreg_model_version_header"] = version
                    if not version:
                        log("WARNING: nnreg serve's answer has no nnreg-model-version header")
            results["startup_s"] = {s.name: round(s.startup_s, 2) for s in servers}
            results["http"] = throughput(args, servers, bodies_file)
        finally:
            for server in servers:
                server.stop()

        # 3. Batch scoring in-process.
        results["batch"] = batch(args, db, onnx_path, x, npy)

        # 4. Alias moves under load.
        if "nnreg" in results["http"]:
            results["alias"] = alias_moves(args, db, bodies, scratch)
        results["notes"] = notes
    results["load_at_end"] = [round(l, 2) for l in os.getloadavg()]
    report(results)
    print(json.dumps(results))
    failures = results.get("alias", {}).get("failures", {})
    if any(failures.values()):
        sys.exit(f"FAILED: alias moves: {failures}")


def report(r):
    http_, b, a = r["http"], r["batch"], r.get("alias")
    ours, peer, ml = http_.get("nnreg"), http_["onnxruntime"], http_.get("mlflow models serve")

    def fmt(v, digits=2):
        if v is None:
            return "pending"
        if isinstance(v, int):
            return f"{v:,}"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.{digits}f}"

    def ratio(n, p, higher):
        if n is None or p is None or not n or not p:
            return ""
        return f"{(n / p if higher else p / n):.2f}x"

    rows = []
    n = ours["requests_per_s"] if ours else None
    met = "" if n is None else (" (met)" if n >= 20000 and n >= 5 * peer["requests_per_s"] else " (not met)")
    rows.append(("single-row requests/s, 64 connections (peer: ONNX Runtime service)", n, peer["requests_per_s"],
                 ratio(n, peer["requests_per_s"], True), "≥ 20,000 and ≥ 5x ONNX Runtime" + met))
    p50 = ours["p50_ms"] if ours else None
    rows.append(("  p50 latency, ms", p50, peer["p50_ms"], ratio(p50, peer["p50_ms"], False), ""))
    p99 = ours["p99_ms"] if ours else None
    rows.append(("  p99 latency, ms", p99, peer["p99_ms"], ratio(p99, peer["p99_ms"], False),
                 "< 5 ms" + ("" if p99 is None else " (met)" if p99 < 5 else " (not met)")))
    rows.append(("  non-2xx answers", ours["non_2xx"] if ours else None, peer["non_2xx"], "", "0"))
    floor = http_.get(FLOOR)
    if floor:
        rows.append(("single-row requests/s (peer: floor_server.c, fixed answer: any server's ceiling here)", n,
                     floor["requests_per_s"], ratio(n, floor["requests_per_s"], True),
                     f"5x ONNX Runtime is {5 * peer['requests_per_s'] / floor['requests_per_s']:.2f}x this ceiling"))
    if ml:
        rows.append(("single-row requests/s (peer: mlflow models serve, 2 workers)", n, ml["requests_per_s"],
                     ratio(n, ml["requests_per_s"], True), ""))
        rows.append(("  p50 / p99 latency, ms", None if not ours else f"{ours['p50_ms']:.2f} / {ours['p99_ms']:.2f}",
                     f"{ml['p50_ms']:.1f} / {ml['p99_ms']:.1f}", "", ""))
    ms, best = b["nnreg_ms"], min(b["ort_2_threads_ms"], b["ort_1_thread_ms"])
    met = "" if ms is None else " (met)" if ms <= best else " (not met)"
    rows.append(("10,000 rows in one batch, ms (peer: ORT run, 2 intra-op threads)", ms, b["ort_2_threads_ms"],
                 ratio(ms, b["ort_2_threads_ms"], False), "≤ ONNX Runtime's faster of the two" + met))
    rows.append(("  (peer: ORT run, 1 intra-op thread)", ms, b["ort_1_thread_ms"], ratio(ms, b["ort_1_thread_ms"], False), ""))
    if a:
        rows.append(("alias move to first answer from the new version, median ms", a["median_ms"], None, "", ""))
        rows.append(("  max ms", a["max_ms"], None, "", ""))
        bad = sum(v for v in a["failures"].values() if isinstance(v, int))
        rows.append((f"  wrong answers during the moves (of {a['answers']:,}: non-200, wrong probabilities, old after new)",
                     bad, None, "", "0" + (" (met)" if bad == 0 else " (NOT MET)")))
    print(f"CPU: {r['cpu']}; load average at start {r['load_at_start'][0]}, at end {r['load_at_end'][0]}; other processes "
          f"took {r['others_cores_at_start']} cores just before")
    print("| figure | nnreg | peer | ratio | goal |")
    print("|---|---|---|---|---|")
    for label, value, other, rat, goal in rows:
        value = value if isinstance(value, str) else fmt(value)
        other = "" if other is None else other if isinstance(other, str) else fmt(other)
        print(f"| {label} | {value} | {other} | {rat} | {goal} |")
    print("ratio: how many times better nnreg is (the peer's time over nnreg's, or nnreg's rate over the peer's)")
    if ml is None:
        print("mlflow models serve: " + next((n for n in r["notes"] if n.startswith("mlflow")), "not run (no --mlflow)"))
    if b["nnreg_ms"] is None:
        print(f"nnreg batch figure: {b['nnreg_why']}")
    for note in r["notes"]:
        if not note.startswith("mlflow"):
            print(note)
    print("requests/s of each wrk round (cores other processes took meanwhile): " +
          "; ".join(f"{k} " + ", ".join(f"{q:,} ({c})" for q, c in zip(v["rounds"], v["others_cores"])) for k, v in http_.items()) +
          f"; onnxruntime {b['onnxruntime']}")


if __name__ == "__main__":
    main()
