"""What MLflow's client sees of one registered model, as JSON.

    python mlflow_registry_read.py TRACKING_URI NAME [--alias ALIAS --to VERSION]

Reads the model with MlflowClient (get_registered_model, search_model_versions, and
get_model_version_by_alias for each alias) and prints one JSON line: name, aliases, and each
version's number, source, run_id, status, tags and aliases. With --alias and --to, first points
the alias at that version through the client, so that the caller can see the move in its own registry.
"""

import argparse
import json
import os

os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))

from mlflow import MlflowClient  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("name")
    parser.add_argument("--alias")
    parser.add_argument("--to")
    args = parser.parse_args()
    client = MlflowClient(tracking_uri=args.uri, registry_uri=args.uri)
    if args.alias and args.to:
        client.set_registered_model_alias(args.name, args.alias, args.to)
    model = client.get_registered_model(args.name)
    versions = client.search_model_versions(f"name = '{args.name}'")
    by_alias = {alias: client.get_model_version_by_alias(args.name, alias).version for alias in model.aliases}
    print(json.dumps({
        "name": model.name,
        "aliases": model.aliases,
        "by_alias": by_alias,
        "versions": [{"version": v.version, "source": v.source, "run_id": v.run_id, "status": v.status,
                      "tags": v.tags, "aliases": list(v.aliases)} for v in sorted(versions, key=lambda v: int(v.version))],
    }))


if __name__ == "__main__":
    main()
