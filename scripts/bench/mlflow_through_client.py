"""The stock MLflow client's calls against a real tracking server: the same calls, sizes and
timing as mlflow_client_floor.py makes against its canned responder, so that the two compare.

Usage: python mlflow_through_client.py URI [--points 100000] [--writers 8]
Prints one JSON line: log_metric_ms, log_batch_pts_s, history_ms, writers_pts_s.
"""
import json, multiprocessing as mp, os, sys, time, uuid

POINTS = int(sys.argv[sys.argv.index("--points") + 1]) if "--points" in sys.argv else 100_000
WRITERS = int(sys.argv[sys.argv.index("--writers") + 1]) if "--writers" in sys.argv else 8
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))


def writer(uri, experiment, n, q):
    from mlflow.tracking import MlflowClient
    c = MlflowClient(uri)
    r = c.create_run(experiment, run_name="writer")
    for s in range(n):
        c.log_metric(r.info.run_id, "m", float(s) * 0.5, step=s)
    q.put(n)


def main():
    uri = sys.argv[1]
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient
    c = MlflowClient(uri)
    experiment = c.create_experiment(f"through-client-{uuid.uuid4().hex[:8]}")
    rid = c.create_run(experiment, run_name="bench").info.run_id
    out = {}
    for _ in range(20): c.log_metric(rid, "loss", 1.0, step=0)  # warm
    n = 500; t, cpu = time.perf_counter(), time.process_time()
    for s in range(n): c.log_metric(rid, "loss", float(s), step=s)
    out["log_metric_ms"] = (time.perf_counter() - t) * 1e3 / n
    out["log_metric_client_cpu_ms"] = (time.process_time() - cpu) * 1e3 / n
    ts = int(time.time() * 1000); t = time.perf_counter()
    for off in range(0, POINTS, 1000):
        c.log_batch(rid, metrics=[Metric("bulk", i / 7.0, ts, i) for i in range(off, min(POINTS, off + 1000))])
    out["log_batch_pts_s"] = POINTS / (time.perf_counter() - t)
    t = time.perf_counter(); h = c.get_metric_history(rid, "bulk")
    out["history_ms"] = (time.perf_counter() - t) * 1e3
    assert len(h) == POINTS, f"history has {len(h)} points of {POINTS}"
    q = mp.Queue(); t = time.perf_counter()
    ps = [mp.Process(target=writer, args=(uri, experiment, 500, q)) for _ in range(WRITERS)]
    [p.start() for p in ps]; got = sum(q.get(timeout=600) for _ in ps); [p.join() for p in ps]
    out["writers_pts_s"] = got / (time.perf_counter() - t)
    print(json.dumps({k: round(v, 3) for k, v in out.items()}))


if __name__ == "__main__":
    main()
