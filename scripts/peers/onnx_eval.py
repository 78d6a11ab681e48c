#!/usr/bin/env python3
"""Checks an nnreg ONNX export with the onnx checker and runs it with onnxruntime.

usage: onnx_eval.py FILE DATA_DIR

onnx.checker.check_model(full_check=True) on FILE, then an onnxruntime CPU session over DATA_DIR's
test set; prints one JSON line: {"accuracy", "count", "opset", "inputs", "outputs",
"max_prob_sum_error"} where max_prob_sum_error is the largest |sum of a row's probabilities - 1|.
Errors go to stderr, exit 1.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime

import idx


def describe(values):
    """name, element type and shape (symbolic dims as strings) of session inputs or outputs."""
    return [{"name": v.name, "type": v.type, "shape": list(v.shape)} for v in values]


def main(argv):
    if len(argv) != 3:
        idx.fail("usage: onnx_eval.py FILE DATA_DIR")
    path, data_dir = argv[1], argv[2]
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnx and onnxruntime raise several unrelated exception types
        idx.fail(f"{path}: {type(error).__name__}: {error}")
    try:
        pixels, labels = idx.load_split(data_dir, "t10k")
    except idx.IDXError as error:
        idx.fail(str(error))
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) != 1:
        idx.fail(f"expected one input and one output, found {len(inputs)} and {len(outputs)}")
    probabilities = session.run(None, {inputs[0].name: pixels})[0]
    if probabilities.shape != (labels.shape[0], 10):
        idx.fail(f"output has shape {list(probabilities.shape)}, expected [{labels.shape[0]}, 10]")
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    print(json.dumps({
        "accuracy": float(np.mean(np.argmax(probabilities, axis=1) == labels)),
        "count": int(labels.shape[0]),
        "opset": opset,
        "inputs": describe(inputs),
        "outputs": describe(outputs),
        "max_prob_sum_error": float(np.max(np.abs(probabilities.astype(np.float64).sum(axis=1) - 1))),
    }))


if __name__ == "__main__":
    main(sys.argv)
