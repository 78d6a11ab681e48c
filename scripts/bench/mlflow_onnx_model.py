"""Registers nnreg's exported ONNX file as an MLflow model, for `mlflow models serve` in serve_bench.py.

    .venv-mlflow/bin/python scripts/bench/mlflow_onnx_model.py --tracking-uri sqlite:///S.db \
        --artifacts DIR --onnx m.onnx [--name digits] [--alias champion]

A pyfunc model that runs the same .onnx file with ONNX Runtime (one intra-op thread per worker, as
ort_server.py) and answers in nnreg's shape: predict returns [{"class": C, "probabilities": [...]}],
which MLflow's scoring server sends as {"predictions": [...]}. Logged into a local SQLite tracking
store (no server, no network), registered as NAME with ALIAS; prints the version as JSON.
"""
import argparse
import json

import mlflow
import mlflow.pyfunc


class OnnxDigits(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(context.artifacts["onnx"], options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def predict(self, context, model_input, params=None):
        import numpy as np

        x = np.asarray(model_input, dtype=np.float32)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        probs = self.session.run(None, {self.input: x})[0]
        return [{"class": int(p.argmax()), "probabilities": p.tolist()} for p in probs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--artifacts", required=True, help="the experiment's artifact folder")
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--name", default="digits")
    parser.add_argument("--alias", default="champion")
    args = parser.parse_args()
    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.set_registry_uri(args.tracking_uri)
    client = mlflow.MlflowClient()
    experiment = client.create_experiment("serve-bench", artifact_location=args.artifacts)
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.pyfunc.log_model(name="model", python_model=OnnxDigits(), artifacts={"onnx": args.onnx},
                                       pip_requirements=["onnxruntime", "numpy"], registered_model_name=args.name)
    version = info.registered_model_version
    client.set_registered_model_alias(args.name, args.alias, version)
    print(json.dumps({"model": args.name, "version": int(version), "alias": args.alias, "uri": info.model_uri}))


if __name__ == "__main__":
    main()
