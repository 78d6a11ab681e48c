"""nnreg's MLflow tracking server beside MLflow's own, in one sitting on this machine (issue 21's figures).

    python scripts/bench/mlflow_bench.py --nnreg .build/release/nnreg --mlflow .venv-mlflow/bin/mlflow

For each server (`nnreg serve --allow-writes` and `mlflow server --workers 2`, both on a fresh SQLite
store on loopback): start-up until the first API answer, the stock client's calls
(mlflow_through_client.py), the server alone on raw keep-alive HTTP (mlflow_server_alone.py),
search_runs over RUNS runs (mlflow_search.py), and the memory of the server's process tree after the
stock client's whole workflow (scripts/peers/mlflow_workflow.py, run first) and after all of it. The client's own floor (mlflow_client_floor.py, a canned responder) runs right before each
round of the client against nnreg, and each figure's median over the rounds is compared (the machine
is shared and noisy; side by side is what holds). Prints a table with the ratios the issue sets goals
for, and one JSON line with every figure.
"""
import argparse, json, os, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request
from common import cpu_model

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid):
    """Resident memory of a process and all its descendants, in MB."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def start(command, url):
    """Starts a server; returns the process and the seconds until its first API answer."""
    t = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    probe = url + "/api/2.0/mlflow/experiments/get?experiment_id=0"
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=5) as r:
                if r.status == 200:
                    return process, time.perf_counter() - t
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit(f"server exited with {process.returncode}: {' '.join(command)}")
        if time.perf_counter() - t > 120:
            sys.exit(f"server did not answer within 120 s: {' '.join(command)}")
        time.sleep(0.005)


def run_script(python, script, *args):
    result = subprocess.run([python, os.path.join(HERE, script), *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{script} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_of(runs):
    """Each figure's median over several runs of one script."""
    return {key: round(statistics.median(run[key] for run in runs), 3) for key in runs[0]}


def measure(name, command, url, args, rounds):
    """Start-up, the client's calls (ROUNDS times, each after a run of the client's floor, whose
    medians are kept too: the two are compared side by side), the server alone, search, memory."""
    print(f"[{name}] starting", file=sys.stderr)
    process, startup = start(command, url)
    try:
        figures = {"startup_s": round(startup, 3)}
        print(f"[{name}] the stock client's whole workflow (scripts/peers/mlflow_workflow.py)", file=sys.stderr)
        workflow = subprocess.run([args.python, os.path.join(HERE, "..", "peers", "mlflow_workflow.py"), url],
                                  capture_output=True, text=True)
        if workflow.returncode != 0:
            sys.exit(f"mlflow_workflow.py failed against {name}:\n{workflow.stderr[-2000:]}")
        figures["memory_after_workflow_mb"] = round(tree_rss_mb(process.pid), 1)
        client, floor = [], []
        for round_ in range(rounds):
            print(f"[{name}] round {round_ + 1} of {rounds}: the client's floor, then the client through {name}", file=sys.stderr)
            floor.append(run_script(args.python, "mlflow_client_floor.py", "--points", str(args.points)))
            client.append(run_script(args.python, "mlflow_through_client.py", url, "--points", str(args.points)))
        figures["client"], figures["floor"] = median_of(client), median_of(floor)
        print(f"[{name}] server alone", file=sys.stderr)
        figures["alone"] = run_script(args.python, "mlflow_server_alone.py", url, "--points", str(args.points))
        print(f"[{name}] search over {args.runs} runs", file=sys.stderr)
        figures["search"] = run_script(args.python, "mlflow_search.py", url, "--runs", str(args.runs))
        figures["memory_mb"] = round(tree_rss_mb(process.pid), 1)
        print(f"[{name}] {json.dumps(figures)}", file=sys.stderr)
        return figures
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nnreg", required=True, help="the nnreg binary (a release build)")
    parser.add_argument("--mlflow", help="MLflow's `mlflow` command (make venv-mlflow-server); left out: nnreg only")
    parser.add_argument("--python", default=sys.executable, help="the Python with the stock client (make venv)")
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="client-vs-floor rounds on nnreg (medians kept)")
    args = parser.parse_args()
    results = {"cpu": cpu_model()}
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        results["nnreg"] = measure("nnreg", [args.nnreg, "serve", "--db", f"{scratch}/nnreg.sqlite", "--allow-writes",
                                             "--host", "127.0.0.1", "--port", str(port)], f"http://127.0.0.1:{port}", args, args.rounds)
        if args.mlflow:
            port = free_port()
            results["mlflow"] = measure("mlflow", [args.mlflow, "server", "--backend-store-uri", f"sqlite:///{scratch}/mlflow.db",
                                                   "--artifacts-destination", f"{scratch}/artifacts", "--serve-artifacts",
                                                   "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                                        f"http://127.0.0.1:{port}", args, 1)
    results["floor"] = results["nnreg"]["floor"]
    report(results)
    print(json.dumps(results))


def report(r):
    n, m, f = r["nnreg"], r.get("mlflow"), r["floor"]
    rows = [
        ("one log_metric (ms)", "log_metric_ms", "log_metric_ms", False),
        ("log_batch of 1,000 (points/s)", "log_batch_pts_s", "log_batch_pts_s", True),
        ("100k-point history (ms)", "history_ms", "history_ms", False),
        ("8 processes x 500 log_metric (points/s; alone: requests/s)", "writers_pts_s", "writers_req_s", True),
    ]
    print(f"CPU: {r['cpu']}")
    print("| figure | client floor | nnreg via client (x floor) | MLflow via client | nnreg alone | MLflow alone | nnreg alone vs MLflow |")
    print("|---|---|---|---|---|---|---|")
    for label, client_key, alone_key, higher in rows:
        floor, via = f[client_key], n["client"][client_key]
        slower = floor / via if higher else via / floor
        mv = m["client"][client_key] if m else None
        alone, malone = n["alone"][alone_key], (m["alone"][alone_key] if m else None)
        gain = (alone / malone if higher else malone / alone) if malone else None
        print(f"| {label} | {floor:,.2f} | {via:,.2f} ({slower:.2f}x) | {mv if mv is None else f'{mv:,.2f}'} | {alone:,.2f} | "
              f"{malone if malone is None else f'{malone:,.2f}'} | {'' if gain is None else f'{gain:.0f}x'} |")
    for name, figures in (("nnreg", n), ("MLflow", m)):
        if figures:
            s = figures["search"]
            print(f"{name}: search_runs over {s['runs']:,} runs, first page of 100: {s['client_ms']} ms via the client, "
                  f"{s['raw_ms']} ms raw; memory after the client's workflow {figures['memory_after_workflow_mb']} MB, after all of "
                  f"this {figures['memory_mb']} MB; start-up to first answer {figures['startup_s']} s")


if __name__ == "__main__":
    main()
