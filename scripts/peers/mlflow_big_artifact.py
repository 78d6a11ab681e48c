"""One large artifact through MLflow's client and a tracking server's artifact proxy, both ways.

    python mlflow_big_artifact.py TRACKING_URI [--size-mb 2048]

Writes a file of SIZE MB of random bytes (no two pieces alike, so nothing is deduplicated),
logs it with mlflow.log_artifact in a new run, downloads it again with
mlflow.artifacts.download_artifacts, and checks size and SHA-256. Prints one JSON line: run_id,
name, size, sha256, upload_s, download_s. Exits 1 on any difference.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))

import mlflow  # noqa: E402


def digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            sha.update(block)
    return sha.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("--size-mb", type=int, default=2048)
    args = parser.parse_args()
    mlflow.set_tracking_uri(args.uri)
    scratch = tempfile.mkdtemp(prefix="nnreg-big-")
    try:
        source = os.path.join(scratch, "weights.bin")
        sha = hashlib.sha256()
        with open(source, "wb") as f:
            for _ in range(args.size_mb):
                block = os.urandom(1 << 20)
                sha.update(block)
                f.write(block)
        expected = sha.hexdigest()
        with mlflow.start_run(run_name="big-artifact") as run:
            started = time.time()
            mlflow.log_artifact(source, artifact_path="big")
            upload = time.time() - started
        os.remove(source)  # only the downloaded copy is on disk from here
        started = time.time()
        local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="big/weights.bin",
                                                    dst_path=os.path.join(scratch, "back"))
        download = time.time() - started
        size, got = os.path.getsize(local), digest(local)
        if size != args.size_mb << 20 or got != expected:
            sys.exit(f"downloaded {size} bytes with SHA-256 {got}; uploaded {args.size_mb << 20} with {expected}")
        print(json.dumps({"run_id": run.info.run_id, "name": "big/weights.bin", "size": size, "sha256": expected,
                          "upload_s": round(upload, 2), "download_s": round(download, 2)}))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
