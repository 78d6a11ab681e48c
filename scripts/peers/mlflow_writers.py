"""Many MLflow clients logging into one tracking server at once, and not a point lost.

    python mlflow_writers.py TRACKING_URI [MORE_URIS…] [--processes 8] [--points 500]

Each of PROCESSES processes creates a run and logs POINTS points one `MlflowClient.log_metric` call
(one HTTP request) each, as a training loop does. Then this process reads every run's history back
with get_metric_history (through the first server) and checks that every point is there with its step, value and timestamp.
Given several servers on one store (a team's central tracker on PostgreSQL), writer i logs through
server i mod N. Prints one JSON line (points, seconds, points/s) and exits 0; exits 1 on any loss or error.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
import uuid

os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
# The client retries 5xx answers with backoff for minutes; a server error is a failure to see.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
# A proxy named in the environment must not stand between the client and a server on this machine.
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))

from mlflow import MlflowClient  # noqa: E402

T0 = 1_700_000_000_000


def value(writer, step):
    """Distinct per writer and step, and not round in binary, so a mixed-up point shows."""
    return writer + step / 7


def write(uri, experiment_id, writer, points, ready, results):
    try:
        client = MlflowClient(tracking_uri=uri)
        run_id = client.create_run(experiment_id, run_name=f"writer-{writer}").info.run_id
        ready.wait(timeout=120)
        for step in range(points):
            client.log_metric(run_id, "x", value(writer, step), timestamp=T0 + step, step=step)
        client.set_terminated(run_id)
        results.put((writer, run_id, None))
    except Exception as error:  # noqa: BLE001 — reported by the parent
        ready.abort()
        results.put((writer, None, f"{type(error).__name__}: {error}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri", nargs="+", help="one tracking server, or several on one store (writers take turns)")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--points", type=int, default=500)
    args = parser.parse_args()
    uris = [uri.rstrip("/") for uri in args.uri]
    uri = uris[0]
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.create_experiment(f"nnreg-writers-{uuid.uuid4().hex[:8]}")

    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(args.processes + 1), context.Queue()
    workers = [context.Process(target=write, args=(uris[w % len(uris)], experiment_id, w, args.points, ready, results))
               for w in range(args.processes)]
    for worker in workers:
        worker.start()
    # Every writer has started Python and made its run before the clock starts: the figure is
    # logging, not start-up.
    try:
        ready.wait(timeout=120)
    except Exception:  # noqa: BLE001 — a writer failed before logging; its error is in results
        pass
    started = time.time()
    done = [results.get(timeout=600) for _ in workers]
    seconds = time.time() - started
    for worker in workers:
        worker.join(timeout=60)

    problems = [f"writer {w}: {error}" for w, _, error in done if error]
    for writer, run_id, error in sorted(done, key=lambda d: d[0]):
        if error:
            continue
        history = client.get_metric_history(run_id, "x")
        got = {(m.step, m.value, m.timestamp) for m in history}
        expected = {(s, value(writer, s), T0 + s) for s in range(args.points)}
        if len(history) != args.points or got != expected:
            missing = sorted(expected - got)[:3]
            problems.append(f"writer {writer} run {run_id}: {len(history)} of {args.points} points, "
                            f"missing e.g. {missing}, unexpected e.g. {sorted(got - expected)[:3]}")
        elif client.get_run(run_id).info.status != "FINISHED":
            problems.append(f"writer {writer} run {run_id}: not FINISHED")
    listed = client.search_runs([experiment_id], max_results=1000)
    if len(listed) != args.processes:
        problems.append(f"search_runs found {len(listed)} runs of {args.processes}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    total = args.processes * args.points
    print(json.dumps({"experiment_id": experiment_id, "processes": args.processes, "points": total,
                      "seconds": round(seconds, 3), "points_per_s": round(total / seconds)}))


if __name__ == "__main__":
    main()
