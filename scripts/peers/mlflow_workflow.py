"""What a training script does with the stock MLflow client, against a tracking server.

    python mlflow_workflow.py TRACKING_URI [--only SECTION[,SECTION…]] [--points N]

Uses only MLflow's public client API (the fluent `mlflow.*` functions and `MlflowClient`), except
the batch limits: the client splits an oversized log_batch into allowed requests itself, so those
are sent as the documented REST request (`POST /api/2.0/mlflow/runs/log-batch`) with `requests`.
Written and checked against MLflow's own server (`mlflow server … --serve-artifacts`), which is the
reference: where it differs from what one would expect, the check follows it and says so.

Every name it creates carries a fresh prefix, so it can run again against the same server. Prints
one JSON line (what was checked, and how fast) and exits 0; the first failed check ends it with
`FAILED section: what` on stderr and exit 1.
"""

import argparse
import json
import math
import os
import shutil
import struct
import sys
import tempfile
import time
import traceback
import uuid

# The client prints a "View run … at: URL" line to stdout for each run; stdout is for the summary.
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
# The client retries 5xx answers with backoff for minutes; a server error is a failure to see.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
# A proxy named in the environment must not stand between the client and a server on this machine.
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))

import mlflow  # noqa: E402
import requests  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

SECTIONS = ["experiments", "training", "batch", "inputs", "artifacts", "runs", "search", "bulk",
            "delete", "registry", "model"]


class CheckFailed(Exception):
    pass


def check(condition, message):
    """An assert that `python -O` keeps and that says what was expected."""
    if not condition:
        raise CheckFailed(message)


def bits(x):
    return struct.pack("<d", x).hex()


def same_float(a, b):
    """Bit-exact, so that -0.0 differs from 0.0 and NaN equals NaN."""
    return math.isnan(a) and math.isnan(b) or bits(a) == bits(b)


def raises(code, call, what):
    """Runs `call`, which must fail with an MlflowException whose error_code is `code`."""
    try:
        call()
    except MlflowException as error:
        check(error.error_code == code, f"{what}: expected {code}, got {error.error_code}: {error.message}")
        return error
    raise CheckFailed(f"{what}: expected MlflowException {code}, but it succeeded")


class Workflow:
    def __init__(self, uri, points):
        self.uri = uri.rstrip("/")
        self.points = points
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_registry_uri(self.uri)
        self.prefix = f"nnreg-{uuid.uuid4().hex[:8]}"
        self.summary = {"prefix": self.prefix, "mlflow": mlflow.__version__}
        self.scratch = tempfile.mkdtemp(prefix="mlflow-workflow-")
        self._experiment = None

    # Shared: one experiment for the sections that need a place to put runs.
    @property
    def experiment_id(self):
        if self._experiment is None:
            self._experiment = self.client.create_experiment(f"{self.prefix}-runs")
        return self._experiment

    def finished_run(self, name, **data):
        """A run with params/metrics/tags, ended, made with the fluent API."""
        with mlflow.start_run(experiment_id=self.experiment_id, run_name=name) as run:
            if data.get("params"):
                mlflow.log_params(data["params"])
            if data.get("metrics"):
                mlflow.log_metrics(data["metrics"])
            if data.get("tags"):
                mlflow.set_tags(data["tags"])
        return run.info.run_id

    # -- experiments ----------------------------------------------------------------------------
    def experiments(self):
        c, p = self.client, self.prefix
        name = f"{p}-exp"
        eid = c.create_experiment(name, tags={"team": "vision", "owner": "ada"})
        check(isinstance(eid, str) and eid, f"create_experiment returned {eid!r}")
        e = c.get_experiment(eid)
        check(e.experiment_id == eid and e.name == name, f"get_experiment: {e}")
        check(e.lifecycle_stage == "active", f"new experiment lifecycle_stage {e.lifecycle_stage}")
        check(e.tags.get("team") == "vision" and e.tags.get("owner") == "ada", f"experiment tags {e.tags}")
        check(e.artifact_location, "experiment has no artifact_location")
        check(e.creation_time and e.last_update_time, f"experiment times {e.creation_time} {e.last_update_time}")
        by_name = c.get_experiment_by_name(name)
        check(by_name is not None and by_name.experiment_id == eid, f"get_experiment_by_name: {by_name}")
        check(c.get_experiment_by_name(f"{p}-nowhere") is None, "get_experiment_by_name of an unknown name is not None")
        raises("RESOURCE_ALREADY_EXISTS", lambda: c.create_experiment(name), "duplicate experiment name")
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_experiment("987654321"), "unknown experiment id")

        found = c.search_experiments(filter_string=f"name = '{name}'")
        check([x.experiment_id for x in found] == [eid], f"search by name: {[x.name for x in found]}")
        found = c.search_experiments(filter_string="tags.team = 'vision' AND name LIKE '" + p + "%'")
        check([x.experiment_id for x in found] == [eid], f"search by tag: {[x.name for x in found]}")
        made = {eid} | {c.create_experiment(f"{p}-page-{i}") for i in range(5)}
        seen, token, pages = [], None, 0
        while True:
            page = c.search_experiments(filter_string=f"name LIKE '{p}-%'", max_results=2, page_token=token,
                                        order_by=["name ASC"])
            check(len(page) <= 2, f"page of {len(page)} with max_results=2")
            seen += [x.experiment_id for x in page]
            pages += 1
            token = page.token
            if not token:
                break
        check(len(seen) == len(set(seen)), f"experiment paging repeated some: {seen}")
        check(made <= set(seen), f"experiment paging lost {made - set(seen)}")
        check(pages >= 3, f"6 experiments in pages of 2 came in {pages} pages")

        c.rename_experiment(eid, f"{name}-renamed")
        check(c.get_experiment(eid).name == f"{name}-renamed", "rename_experiment did not rename")
        check(c.get_experiment_by_name(name) is None, "old experiment name still found after rename")
        c.set_experiment_tag(eid, "stage", "2")
        check(c.get_experiment(eid).tags.get("stage") == "2", "set_experiment_tag not visible")
        c.delete_experiment(eid)
        check(c.get_experiment(eid).lifecycle_stage == "deleted", "deleted experiment not 'deleted'")
        active = [x.experiment_id for x in c.search_experiments(filter_string=f"name LIKE '{p}-exp%'")]
        deleted = [x.experiment_id for x in c.search_experiments(view_type=ViewType.DELETED_ONLY,
                                                                 filter_string=f"name LIKE '{p}-exp%'")]
        check(active == [] and deleted == [eid], f"after delete: active {active}, deleted {deleted}")
        c.restore_experiment(eid)
        check(c.get_experiment(eid).lifecycle_stage == "active", "restored experiment not 'active'")
        self.summary["experiments"] = len(made)

    # -- training -------------------------------------------------------------------------------
    def training(self):
        c = self.client
        mlflow.set_experiment(experiment_id=self.experiment_id)
        t0 = 1_700_000_000_123
        exact = [0.1 + 0.2, 5e-324, -0.0, 1.7976931348623157e308, 2.2250738585072014e-308, 1 / 3, -1e-300]
        with mlflow.start_run(run_name="train") as run:
            rid = run.info.run_id
            mlflow.log_param("lr", 0.01)
            mlflow.log_params({"batch_size": 32, "optimizer": "sgd", "layers": "784-128-10"})
            mlflow.set_tag("phase", "dev")
            mlflow.set_tags({"team": "vision", "temporary": "yes"})
            mlflow.delete_tag("temporary")
            for step in range(10):
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=t0 + step * 1000)
            # No step: every point is kept, all at step 0 (distinct values: MLflow's own store keeps
            # one row per (key, timestamp, step, value), so identical points would collapse there).
            for value in (3.0, 2.0, 1.0):
                mlflow.log_metric("nostep", value)
            mlflow.log_metric("special", float("nan"), step=0)
            mlflow.log_metric("special", float("inf"), step=1)
            mlflow.log_metric("special", float("-inf"), step=2)
            for step, value in enumerate(exact):
                mlflow.log_metric("exact", value, step=step, timestamp=t0 + step)
            mlflow.log_metrics({"acc": 0.5, "f1": 0.25}, step=3)
            mlflow.log_param("lr", 0.01)  # the same value again is fine
            raises("INVALID_PARAMETER_VALUE", lambda: mlflow.log_param("lr", 0.02), "changing a logged param")
            c.log_batch(rid, metrics=[Metric("batch_m", 7.5, t0, 4)], params=[Param("from_batch", "yes")],
                        tags=[RunTag("batch_tag", "1")])
            check(c.get_run(rid).info.status == "RUNNING", "run inside `with start_run` not RUNNING")

        r = c.get_run(rid)
        check(r.info.run_id == rid and r.info.run_name == "train", f"run info {r.info}")
        check(r.info.status == "FINISHED" and r.info.lifecycle_stage == "active", f"status {r.info.status}")
        check(r.info.experiment_id == self.experiment_id, f"experiment_id {r.info.experiment_id}")
        check(r.info.start_time and r.info.end_time and r.info.end_time >= r.info.start_time,
              f"times {r.info.start_time} {r.info.end_time}")
        check(r.info.artifact_uri, "run has no artifact_uri")
        params = {"lr": "0.01", "batch_size": "32", "optimizer": "sgd", "layers": "784-128-10", "from_batch": "yes"}
        check(r.data.params == params, f"params {r.data.params}")
        check(r.data.tags.get("phase") == "dev" and r.data.tags.get("team") == "vision", f"tags {r.data.tags}")
        check("temporary" not in r.data.tags, "deleted tag still there")
        check(r.data.tags.get("batch_tag") == "1", "log_batch tag missing")
        check(r.data.tags.get("mlflow.runName") == "train", f"mlflow.runName tag {r.data.tags.get('mlflow.runName')}")
        check(r.data.metrics.get("loss") == 0.1, f"latest loss {r.data.metrics.get('loss')}")
        check(r.data.metrics.get("acc") == 0.5 and r.data.metrics.get("batch_m") == 7.5, f"metrics {r.data.metrics}")

        loss = c.get_metric_history(rid, "loss")
        check([m.step for m in loss] == list(range(10)), f"loss steps {[m.step for m in loss]}")
        check([m.value for m in loss] == [1.0 / (s + 1) for s in range(10)], "loss values differ")
        check([m.timestamp for m in loss] == [t0 + s * 1000 for s in range(10)],
              f"timestamps not preserved: {[m.timestamp for m in loss][:3]}")
        nostep = c.get_metric_history(rid, "nostep")
        check(sorted(m.value for m in nostep) == [1.0, 2.0, 3.0] and all(m.step == 0 for m in nostep),
              f"points without a step: {[(m.step, m.value) for m in nostep]}")
        special = sorted(c.get_metric_history(rid, "special"), key=lambda m: m.step)
        check(len(special) == 3 and math.isnan(special[0].value), f"NaN: {[m.value for m in special]}")
        # MLflow's SQL store keeps ±inf as ±1.7976931348623157e308 (its comment: SQL cannot hold
        # infinities); a store that keeps them exactly is better. Both pass; the summary says which.
        top = sys.float_info.max
        check(special[1].value in (math.inf, top) and special[2].value in (-math.inf, -top),
              f"infinities came back as {special[1].value}, {special[2].value}")
        self.summary["infinities"] = "exact" if special[1].value == math.inf and special[2].value == -math.inf else "clamped"
        history = sorted(c.get_metric_history(rid, "exact"), key=lambda m: m.step)
        got = [m.value for m in history]
        check(len(got) == len(exact), f"{len(got)} of {len(exact)} exact points")
        for step, (a, b) in enumerate(zip(exact, got)):
            if a == 0 and b == 0 and bits(a) != bits(b):
                # MLflow's SQLite store gives -0.0 back as 0.0; accept that, report it.
                self.summary["negative_zero"] = "lost sign"
                continue
            check(same_float(a, b), f"step {step}: logged {a!r} ({bits(a)}), read {b!r} ({bits(b)})")
        self.summary.setdefault("negative_zero", "exact")
        self.summary["training_run"] = rid

    # -- batch ----------------------------------------------------------------------------------
    def batch(self):
        """log_batch limits and all-or-nothing, as the REST request (the client would split it)."""
        c = self.client
        rid = c.create_run(self.experiment_id, run_name="batch-limits").info.run_id
        c.log_param(rid, "fixed", "1")
        url = f"{self.uri}/api/2.0/mlflow/runs/log-batch"
        now = int(time.time() * 1000)

        def post(metrics=(), params=(), tags=()):
            body = {"run_id": rid, "metrics": list(metrics), "params": list(params), "tags": list(tags)}
            return requests.post(url, json=body, timeout=120)

        def metric(i, key="m"):
            return {"key": key, "value": float(i), "timestamp": now, "step": i}

        def refused(response, what):
            check(response.status_code == 400, f"{what}: HTTP {response.status_code} {response.text[:200]}")
            code = response.json().get("error_code")
            check(code == "INVALID_PARAMETER_VALUE", f"{what}: error_code {code}")

        refused(post(metrics=[metric(i) for i in range(1001)]), "1001 metrics in one batch")
        refused(post(params=[{"key": f"p{i}", "value": "v"} for i in range(101)]), "101 params in one batch")
        refused(post(tags=[{"key": f"t{i}", "value": "v"} for i in range(101)]), "101 tags in one batch")
        check(c.get_metric_history(rid, "m") == [], "a refused batch wrote metrics")
        r = c.get_run(rid)
        check(set(r.data.params) == {"fixed"}, f"a refused batch wrote params: {sorted(r.data.params)}")
        check(not any(k.startswith("t") and k[1:].isdigit() for k in r.data.tags), "a refused batch wrote tags")
        # One bad entry (a param changing value) refuses the whole batch.
        refused(post(metrics=[metric(1, "atomic")], params=[{"key": "new", "value": "1"}, {"key": "fixed", "value": "2"}],
                     tags=[{"key": "atomic_tag", "value": "x"}]), "a batch changing a param")
        r = c.get_run(rid)
        check("atomic" not in r.data.metrics and c.get_metric_history(rid, "atomic") == [],
              "a refused batch wrote its metric")
        check("new" not in r.data.params and r.data.params.get("fixed") == "1", f"a refused batch wrote params {r.data.params}")
        check("atomic_tag" not in r.data.tags, "a refused batch wrote its tag")
        # At the limits exactly, it is accepted.
        ok = post(metrics=[metric(i) for i in range(1000)])
        check(ok.status_code == 200, f"1000 metrics refused: {ok.status_code} {ok.text[:200]}")
        ok = post(params=[{"key": f"p{i}", "value": "v"} for i in range(100)],
                  tags=[{"key": f"t{i}", "value": "v"} for i in range(100)])
        check(ok.status_code == 200, f"100 params + 100 tags refused: {ok.status_code} {ok.text[:200]}")
        check(len(c.get_metric_history(rid, "m")) == 1000, "the 1000-metric batch is not all there")
        # Through the client, an oversized batch is split and all of it lands.
        c.log_batch(rid, metrics=[Metric("split", float(i), now, i) for i in range(2500)])
        check(len(c.get_metric_history(rid, "split")) == 2500, "client-split batch lost points")
        c.set_terminated(rid)

    # -- inputs ---------------------------------------------------------------------------------
    def inputs(self):
        c = self.client
        import numpy as np
        with mlflow.start_run(experiment_id=self.experiment_id, run_name="with-inputs") as run:
            try:
                from mlflow.data import from_numpy
                dataset = from_numpy(np.arange(12, dtype=np.float64).reshape(4, 3), targets=np.array([0, 1, 0, 1]),
                                     source="s3://bucket/mnist-small", name="mnist-small")
                mlflow.log_input(dataset, context="training", tags={"split": "train"})
                name, digest, how = dataset.name, dataset.digest, "mlflow.data.from_numpy"
            except ImportError:
                from mlflow.entities import Dataset, DatasetInput, InputTag
                name, digest, how = "mnist-small", "abc123", "MlflowClient.log_inputs"
                c.log_inputs(run.info.run_id, [DatasetInput(
                    Dataset(name=name, digest=digest, source_type="http", source='{"url": "http://x/y"}'),
                    tags=[InputTag("mlflow.data.context", "training"), InputTag("split", "train")])])
        r = c.get_run(run.info.run_id)
        inputs = r.inputs.dataset_inputs
        check(len(inputs) == 1, f"{len(inputs)} dataset inputs")
        d = inputs[0].dataset
        check(d.name == name and d.digest == digest, f"dataset {d.name} {d.digest}")
        check(d.source_type and d.source, f"dataset source {d.source_type} {d.source}")
        tags = {t.key: t.value for t in inputs[0].tags}
        check(tags.get("mlflow.data.context") == "training" and tags.get("split") == "train", f"input tags {tags}")
        found = c.search_runs([self.experiment_id], filter_string=f"datasets.name = '{name}'")
        check([x.info.run_id for x in found] == [run.info.run_id], "search by datasets.name")
        self.summary["inputs"] = how

    # -- artifacts ------------------------------------------------------------------------------
    def artifacts(self):
        c = self.client
        root = os.path.join(self.scratch, "upload")
        os.makedirs(os.path.join(root, "tree", "sub"))
        blob = bytes(range(256)) * 4096 + os.urandom(12345)
        files = {"weights.bin": blob, "tree/a.txt": b"alpha\n", "tree/sub/b.csv": b"x,y\n1,2\n",
                 "tree/sub/empty": b""}
        for path, data in files.items():
            with open(os.path.join(root, path), "wb") as f:
                f.write(data)
        with mlflow.start_run(experiment_id=self.experiment_id, run_name="artifacts") as run:
            mlflow.log_artifact(os.path.join(root, "weights.bin"))
            mlflow.log_artifact(os.path.join(root, "tree", "a.txt"), artifact_path="single")
            mlflow.log_dict({"lr": 0.01, "layers": [784, 128, 10]}, "config.json")
            mlflow.log_text("héllo wörld\n", "notes/readme.txt")
            mlflow.log_artifacts(os.path.join(root, "tree"), artifact_path="tree")
        rid = run.info.run_id
        top = {a.path: a for a in c.list_artifacts(rid)}
        check(set(top) == {"weights.bin", "single", "config.json", "notes", "tree"}, f"root listing {sorted(top)}")
        check(not top["weights.bin"].is_dir and top["weights.bin"].file_size == len(blob),
              f"weights.bin listed as {top['weights.bin']}")
        check(top["tree"].is_dir and top["notes"].is_dir, "folders not listed as folders")
        sub = {a.path: a for a in c.list_artifacts(rid, "tree")}
        check(set(sub) == {"tree/a.txt", "tree/sub"} and sub["tree/sub"].is_dir, f"tree listing {sorted(sub)}")
        # An empty file: MLflow's server leaves file_size out (protobuf's default 0), read as None.
        deeper = {a.path: a.file_size or 0 for a in c.list_artifacts(rid, "tree/sub")}
        check(deeper == {"tree/sub/b.csv": 8, "tree/sub/empty": 0}, f"tree/sub listing {deeper}")
        check(c.list_artifacts(rid, "nowhere") == [], "listing a missing folder is not empty")
        out = os.path.join(self.scratch, "download")
        os.makedirs(out)
        whole = mlflow.artifacts.download_artifacts(run_id=rid, dst_path=out)
        for path, data in files.items():
            with open(os.path.join(whole, path), "rb") as f:
                check(f.read() == data, f"downloaded {path} differs")
        one = c.download_artifacts(rid, "weights.bin", os.path.join(self.scratch, "one"))
        with open(one, "rb") as f:
            check(f.read() == blob, "weights.bin downloaded alone differs")
        check(mlflow.artifacts.load_dict(f"runs:/{rid}/config.json") == {"lr": 0.01, "layers": [784, 128, 10]},
              "config.json differs")
        check(mlflow.artifacts.load_text(f"runs:/{rid}/notes/readme.txt") == "héllo wörld\n", "readme.txt differs")
        single = c.download_artifacts(rid, "single", os.path.join(self.scratch, "single"))
        check(open(os.path.join(single, "a.txt"), "rb").read() == b"alpha\n", "single/a.txt differs")
        self.summary["artifact_bytes"] = sum(map(len, files.values()))

    # -- runs -----------------------------------------------------------------------------------
    def runs(self):
        c = self.client
        first = self.finished_run("same-name", params={"n": "1"})
        second = self.finished_run("same-name", params={"n": "2"})
        check(first != second, "two runs with one name got one id")
        found = c.search_runs([self.experiment_id], filter_string="attributes.run_name = 'same-name'")
        check(sorted(x.info.run_id for x in found) == sorted([first, second]), f"same-name runs {len(found)}")
        check({x.data.params["n"] for x in found} == {"1", "2"}, "same-name runs mixed their params")
        try:
            with mlflow.start_run(experiment_id=self.experiment_id, run_name="boom") as run:
                mlflow.log_metric("before", 1.0)
                raise ValueError("diverged")
        except ValueError:
            pass
        check(c.get_run(run.info.run_id).info.status == "FAILED", "run ended by an exception not FAILED")
        mlflow.start_run(experiment_id=self.experiment_id, run_name="ended-failed")
        failed = mlflow.active_run().info.run_id
        mlflow.end_run(status="FAILED")
        check(c.get_run(failed).info.status == "FAILED", "end_run(status='FAILED') not FAILED")
        killed = c.create_run(self.experiment_id, run_name="killed").info.run_id
        c.set_terminated(killed, status="KILLED")
        check(c.get_run(killed).info.status == "KILLED", "set_terminated KILLED")
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_run("0123456789abcdef0123456789abcdef"), "unknown run id")

    # -- search ---------------------------------------------------------------------------------
    def search(self):
        c = self.client
        eid = c.create_experiment(f"{self.prefix}-search")
        opts = ["sgd", "adam", "rmsprop"]
        ids = []
        for i in range(7):
            with mlflow.start_run(experiment_id=eid, run_name=f"s-{i}") as run:
                mlflow.log_params({"opt": opts[i % 3], "idx": f"{i:02d}"})
                mlflow.log_metric("acc", i / 10)
                mlflow.set_tag("group", "even" if i % 2 == 0 else "odd")
            ids.append(run.info.run_id)
            time.sleep(0.002)  # distinct start times, so ordering by start_time is defined
        running = c.create_run(eid, run_name="still-running").info.run_id
        by_name = {c.get_run(r).info.run_name: r for r in ids}

        def names(filter_string, order_by=None, view=ViewType.ACTIVE_ONLY):
            runs = c.search_runs([eid], filter_string=filter_string, order_by=order_by, run_view_type=view)
            return [x.info.run_name for x in runs]

        def same(got, expected, what):
            check(sorted(got) == sorted(expected), f"{what}: got {sorted(got)}, expected {sorted(expected)}")

        s = [f"s-{i}" for i in range(7)]
        same(names("metrics.acc > 0.35"), s[4:], "metrics.acc > 0.35")
        same(names("metrics.acc <= 0.1"), s[:2], "metrics.acc <= 0.1")
        same(names("params.opt = 'adam'"), ["s-1", "s-4"], "params.opt = 'adam'")
        same(names("params.opt != 'adam' AND metrics.acc >= 0.5"), ["s-5", "s-6"], "params != and metrics")
        same(names("tags.group = 'even'"), ["s-0", "s-2", "s-4", "s-6"], "tags.group")
        same(names("attributes.status = 'FINISHED'"), s, "status FINISHED")
        same(names("attributes.status = 'RUNNING'"), ["still-running"], "status RUNNING")
        same(names("attributes.run_name = 's-3'"), ["s-3"], "run_name =")
        same(names("attributes.run_name LIKE 's-%'"), s, "run_name LIKE")
        same(names("params.opt LIKE '%prop'"), ["s-2", "s-5"], "params LIKE")
        same(names("params.opt ILIKE 'SG%'"), ["s-0", "s-3", "s-6"], "params ILIKE")
        same(names("tags.group ILIKE 'ODD'"), ["s-1", "s-3", "s-5"], "tags ILIKE")
        # MLflow takes IN / NOT IN on attributes.run_id only ("Only ['run_id'] attributes support
        # comparison with a list"); on other attributes it answers INVALID_PARAMETER_VALUE.
        same(names(f"attributes.run_id IN ('{ids[0]}', '{ids[6]}', '{'0' * 32}')"), ["s-0", "s-6"], "run_id IN")
        same(names(f"attributes.run_id NOT IN ('{ids[0]}', '{ids[1]}', '{running}')"), s[2:], "run_id NOT IN")
        same(names(f"run_id IN ('{ids[3]}') AND params.opt = 'sgd'"), ["s-3"], "run_id IN with AND")
        started = c.get_run(by_name["s-3"]).info.start_time
        same(names(f"attributes.start_time > {started}"), s[4:] + ["still-running"], "start_time >")
        same(names("metrics.acc > 0.1 AND params.opt = 'sgd' AND tags.group = 'even'"), ["s-6"], "three-way AND")
        check(names("", ["metrics.acc DESC"])[:7] == s[::-1], "order by metrics.acc DESC")
        check(names("", ["params.idx ASC"])[:7] == s, "order by params.idx ASC")
        check(names("", ["attributes.start_time ASC"]) == s + ["still-running"], "order by start_time ASC")
        check(names("", ["attributes.start_time DESC"])[0] == "still-running", "order by start_time DESC")
        # Paging: 8 runs, 3 a page, ordered two ways; nothing repeated or lost.
        for order in (["metrics.acc DESC"], None):
            seen, token, pages = [], None, 0
            while True:
                page = c.search_runs([eid], order_by=order, max_results=3, page_token=token)
                check(len(page) <= 3, f"page of {len(page)} with max_results=3")
                seen += [x.info.run_id for x in page]
                pages += 1
                token = page.token
                if not token:
                    break
            check(len(seen) == len(set(seen)), f"paging ({order}) repeated runs")
            check(set(seen) == set(ids + [running]), f"paging ({order}) lost {set(ids + [running]) - set(seen)}")
            check(pages >= 3, f"8 runs in pages of 3 came in {pages} pages")
        listed = mlflow.search_runs(experiment_ids=[eid], filter_string="params.opt = 'sgd'", output_format="list")
        same([x.info.run_name for x in listed], ["s-0", "s-3", "s-6"], "mlflow.search_runs(output_format='list')")
        try:
            import pandas  # noqa: F401
            frame = mlflow.search_runs(experiment_ids=[eid], filter_string="tags.group = 'odd'",
                                       order_by=["metrics.acc ASC"])
            check(list(frame["tags.mlflow.runName"]) == ["s-1", "s-3", "s-5"], f"DataFrame {list(frame.columns)}")
            check(list(frame["metrics.acc"]) == [0.1, 0.3, 0.5], "DataFrame metrics.acc")
        except ImportError:
            pass
        both = c.search_runs([eid, self.experiment_id], filter_string="attributes.run_name = 's-0'")
        check(len(both) == 1, "search over two experiments")
        c.set_terminated(running)
        self.summary["search_runs"] = len(ids) + 1

    # -- bulk -----------------------------------------------------------------------------------
    def bulk(self):
        c = self.client
        n = self.points
        rid = c.create_run(self.experiment_id, run_name="bulk").info.run_id
        t0 = 1_700_000_000_000
        values = [math.sin(i) * 10 ** (i % 7 - 3) for i in range(n)]
        started = time.time()
        for lo in range(0, n, 1000):
            c.log_batch(rid, metrics=[Metric("bulk", values[i], t0 + i, i) for i in range(lo, min(lo + 1000, n))])
        logged = time.time() - started
        started = time.time()
        history = c.get_metric_history(rid, "bulk")
        read = time.time() - started
        check(len(history) == n, f"{len(history)} of {n} bulk points came back")
        check([m.step for m in history] == list(range(n)), "bulk history not in step order")
        bad = [i for i, m in enumerate(history) if bits(m.value) != bits(values[i]) or m.timestamp != t0 + i]
        check(not bad, f"{len(bad)} bulk points differ, first at step {bad[:1]}")
        c.set_terminated(rid)
        self.summary["bulk"] = {"points": n, "log_points_per_s": round(n / logged), "history_s": round(read, 3)}
        self.summary["bulk_run"] = rid

    # -- delete ---------------------------------------------------------------------------------
    def delete(self):
        c = self.client
        rid = self.finished_run("doomed", params={"x": "1"})
        kept = self.finished_run("kept")
        f = f"attributes.run_id IN ('{rid}', '{kept}')"

        def names(view):
            return sorted(x.info.run_name for x in c.search_runs([self.experiment_id], filter_string=f, run_view_type=view))

        c.delete_run(rid)
        check(c.get_run(rid).info.lifecycle_stage == "deleted", "deleted run not 'deleted'")
        check(names(ViewType.ACTIVE_ONLY) == ["kept"], f"active after delete {names(ViewType.ACTIVE_ONLY)}")
        check(names(ViewType.DELETED_ONLY) == ["doomed"], f"deleted only {names(ViewType.DELETED_ONLY)}")
        check(names(ViewType.ALL) == ["doomed", "kept"], f"all {names(ViewType.ALL)}")
        c.restore_run(rid)
        check(c.get_run(rid).info.lifecycle_stage == "active", "restored run not 'active'")
        check(names(ViewType.ACTIVE_ONLY) == ["doomed", "kept"], "restored run not found")

    # -- registry -------------------------------------------------------------------------------
    def registry(self):
        c, p = self.client, self.prefix
        rid = self.finished_run("for-registry", params={"lr": "0.1"})
        run = c.get_run(rid)
        name = f"{p}-mnist"
        rm = c.create_registered_model(name, tags={"task": "digits"}, description="first")
        check(rm.name == name and rm.description == "first" and rm.tags == {"task": "digits"}, f"created {rm}")
        raises("RESOURCE_ALREADY_EXISTS", lambda: c.create_registered_model(name), "duplicate registered model")
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_registered_model(f"{p}-nothing"), "unknown registered model")
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_model_version(name, "42"), "unknown model version")
        raises("RESOURCE_DOES_NOT_EXIST",
               lambda: c.create_model_version(f"{p}-nothing", f"{run.info.artifact_uri}/model", rid),
               "version of an unknown model")
        v1 = c.create_model_version(name, f"runs:/{rid}/model", rid, tags={"stage": "dev"}, description="v one")
        v2 = c.create_model_version(name, f"{run.info.artifact_uri}/model", rid)
        check((v1.version, v2.version) == ("1", "2"), f"versions {v1.version} {v2.version}")
        got = c.get_model_version(name, "1")
        check(got.name == name and got.run_id == rid and got.status == "READY", f"version 1 {got}")
        check(got.source and got.description == "v one" and got.tags == {"stage": "dev"}, f"version 1 {got}")
        check(got.creation_timestamp and got.last_updated_timestamp, "version timestamps")
        found = c.search_model_versions(f"name = '{name}'")
        check(sorted(v.version for v in found) == ["1", "2"], f"search_model_versions {[v.version for v in found]}")
        found = c.search_model_versions(f"run_id = '{rid}'")
        check(sorted(v.version for v in found) == ["1", "2"], "search_model_versions by run_id")
        check([m.name for m in c.search_registered_models(f"name = '{name}'")] == [name], "search_registered_models =")
        check([m.name for m in c.search_registered_models(f"name LIKE '{p}-mn%'")] == [name], "search_registered_models LIKE")
        c.update_model_version(name, "1", description="v one, checked")
        check(c.get_model_version(name, "1").description == "v one, checked", "update_model_version")
        c.update_registered_model(name, description="second")
        check(c.get_registered_model(name).description == "second", "update_registered_model")
        c.set_model_version_tag(name, "1", "validated", "yes")
        c.delete_model_version_tag(name, "1", "stage")
        check(c.get_model_version(name, "1").tags == {"validated": "yes"}, "model version tags")
        c.set_registered_model_tag(name, "owner", "ada")
        c.delete_registered_model_tag(name, "task")
        check(c.get_registered_model(name).tags == {"owner": "ada"}, "registered model tags")
        c.set_registered_model_alias(name, "champion", "1")
        c.set_registered_model_alias(name, "challenger", "2")
        check(c.get_model_version_by_alias(name, "champion").version == "1", "alias champion")
        check(c.get_registered_model(name).aliases == {"champion": "1", "challenger": "2"},
              f"aliases {c.get_registered_model(name).aliases}")
        check(c.get_model_version(name, "1").aliases == ["champion"], "model version aliases")
        c.set_registered_model_alias(name, "champion", "2")
        check(c.get_model_version_by_alias(name, "champion").version == "2", "alias moved")
        c.delete_registered_model_alias(name, "challenger")
        raises("INVALID_PARAMETER_VALUE", lambda: c.get_model_version_by_alias(name, "challenger"), "deleted alias")
        new = f"{name}-renamed"
        c.rename_registered_model(name, new)
        check(c.get_registered_model(new).name == new, "rename_registered_model")
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_registered_model(name), "old name after rename")
        check(c.get_model_version(new, "1").name == new, "versions follow the renamed model")
        check(c.get_model_version_by_alias(new, "champion").version == "2", "alias follows the rename")
        c.delete_model_version(new, "1")
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_model_version(new, "1"), "deleted model version")
        check([v.version for v in c.search_model_versions(f"name = '{new}'")] == ["2"], "versions after delete")
        c.delete_registered_model(new)
        raises("RESOURCE_DOES_NOT_EXIST", lambda: c.get_registered_model(new), "deleted registered model")
        check(c.search_registered_models(f"name LIKE '{p}-mn%'") == [], "deleted model still searched")

    # -- model ----------------------------------------------------------------------------------
    def model(self):
        import mlflow.pyfunc

        class Doubler(mlflow.pyfunc.PythonModel):
            def predict(self, context, model_input, params=None):
                return [2 * x for x in model_input]

        c, name = self.client, f"{self.prefix}-doubler"
        with mlflow.start_run(experiment_id=self.experiment_id, run_name="log-model") as run:
            mlflow.log_param("factor", 2)
            # pip_requirements given: otherwise the client infers them by loading the model in a
            # subprocess, slow and beside the point here.
            info = mlflow.pyfunc.log_model(name="model", python_model=Doubler(), registered_model_name=name,
                                           pip_requirements=[f"mlflow-skinny=={mlflow.__version__}"])
        check(str(info.registered_model_version) == "1", f"registered version {info.registered_model_version}")
        check(info.model_id, "log_model returned no model_id")
        logged = mlflow.get_logged_model(info.model_id)
        check(logged.name == "model" and str(logged.status).endswith("READY"), f"logged model {logged}")
        check(logged.source_run_id == run.info.run_id, f"logged model source_run_id {logged.source_run_id}")
        c.set_registered_model_alias(name, "prod", "1")
        model = mlflow.pyfunc.load_model(f"models:/{name}@prod")
        answer = model.predict([1.5, 2, -3])
        check(list(answer) == [3.0, 4, -6], f"predict gave {answer}")
        again = mlflow.pyfunc.load_model(info.model_uri)
        check(list(again.predict([4])) == [8], "model loaded by its model_uri")
        self.summary["model"] = {"name": name, "model_id": info.model_id, "uri": info.model_uri}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--points", type=int, default=100_000, help="bulk history size (default 100000)")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else SECTIONS
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    workflow = Workflow(args.uri, args.points)
    timings = {}
    for section in SECTIONS:
        if section not in chosen:
            continue
        started = time.time()
        try:
            getattr(workflow, section)()
        except Exception as error:  # noqa: BLE001 — any failure ends the run with its section named
            traceback.print_exc()
            print(f"FAILED {section}: {type(error).__name__}: {error}", file=sys.stderr)
            sys.exit(1)
        timings[section] = round(time.time() - started, 3)
    workflow.summary["sections"] = timings
    shutil.rmtree(workflow.scratch, ignore_errors=True)
    print(json.dumps(workflow.summary))


if __name__ == "__main__":
    main()
