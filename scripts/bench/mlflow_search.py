"""search_runs over many runs: fills an experiment with RUNS runs (params, tags and metrics, as a
sweep leaves them; raw HTTP, not timed), then times a filtered, ordered first page of 100 through
the stock client (MlflowClient.search_runs) and as one raw `runs/search` request.

Usage: python mlflow_search.py URI [--runs 10000] [--repeat 20]
Prints one JSON line: runs, matched (on the page), client_ms and raw_ms (medians of REPEAT warm calls).
"""
import http.client, json, os, statistics, sys, time, urllib.parse, uuid

args = sys.argv[1:]
URI = urllib.parse.urlparse(args[0])
RUNS = int(args[args.index("--runs") + 1]) if "--runs" in args else 10_000
REPEAT = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 20
API = "/api/2.0/mlflow/"
HDR = {"Content-Type": "application/json"}
FILTER = "params.optimizer = 'adam' and metrics.val_accuracy > 0.9 and tags.sweep = 'lr-search'"
ORDER = ["metrics.val_accuracy DESC"]
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))


def call(c, method, path, body=None):
    try:
        c.request(method, API + path, body=None if body is None else json.dumps(body), headers=HDR)
        r = c.getresponse()
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        # The server closed the idle keep-alive connection (uvicorn does): the request was not
        # read, so it is sent again on a new one.
        c.close(); c.connect()
        c.request(method, API + path, body=None if body is None else json.dumps(body), headers=HDR)
        r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"SEARCH FAIL: {method} {path} -> {r.status} {data[:200]!r}")
    return json.loads(data)


def main():
    c = http.client.HTTPConnection(URI.hostname, URI.port, timeout=300)
    experiment = call(c, "POST", "experiments/create", {"name": f"search-{uuid.uuid4().hex[:8]}"})["experiment_id"]
    ts = int(time.time() * 1000)
    for i in range(RUNS):
        rid = call(c, "POST", "runs/create", {"experiment_id": experiment, "start_time": ts + i, "run_name": f"trial-{i}"})["run"]["info"]["run_id"]
        call(c, "POST", "runs/log-batch", {
            "run_id": rid,
            "params": [{"key": "lr", "value": str(10 ** -(1 + i % 4))}, {"key": "optimizer", "value": ["sgd", "adam"][i % 2]},
                       {"key": "batch_size", "value": str(32 << (i % 3))}],
            "tags": [{"key": "sweep", "value": "lr-search" if i % 5 else "other"}],
            "metrics": [{"key": "val_accuracy", "value": 0.8 + 0.2 * ((i * 7919) % 1000) / 1000, "timestamp": ts, "step": 100},
                        {"key": "loss", "value": 1.0 / (1 + i), "timestamp": ts, "step": 100}]})
        if RUNS >= 1000 and i % (RUNS // 10) == 0:
            print(f"filled {i} runs", file=sys.stderr)
    call(c, "POST", f"runs/update", {"run_id": rid, "status": "FINISHED", "end_time": ts})
    from mlflow.tracking import MlflowClient
    client = MlflowClient(f"http://{URI.hostname}:{URI.port}")
    matched = len(client.search_runs([experiment], FILTER, order_by=ORDER, max_results=100))  # warm
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter(); page = client.search_runs([experiment], FILTER, order_by=ORDER, max_results=100)
        times.append((time.perf_counter() - t) * 1e3)
    raw = []
    body = {"experiment_ids": [experiment], "filter": FILTER, "order_by": ORDER, "max_results": 100}
    for _ in range(REPEAT):
        t = time.perf_counter(); answer = call(c, "POST", "runs/search", body)
        raw.append((time.perf_counter() - t) * 1e3)
    assert len(answer.get("runs", [])) == matched == len(page) == 100, (matched, len(page))
    print(json.dumps({"runs": RUNS, "matched": matched, "client_ms": round(statistics.median(times), 2),
                      "raw_ms": round(statistics.median(raw), 2)}))


if __name__ == "__main__":
    main()
