#!/usr/bin/env python3
"""Writes ONNX's own single-node backend cases as one JSON file that the kernel tests can read
without an ONNX loader (Tests/OptKitTests/Kernels/ONNXNodeCaseTests.swift runs them when the
environment variable OPTKIT_NODE_CASES names the file).

Two sources, as in issue 3's conformance plan: the cases the onnx wheel generates
(`onnx.backend.test.case.node.collect_testcases`, current opsets) and Debian's
libonnx-testdata (ONNX 1.12, opsets up to 17), when installed. Only models with exactly one
node are written; tensors are raw little-endian bytes in base64.

Usage: /work/venv/bin/python scripts/onnx-node-cases.py OUTPUT.json [OP ...]
"""
import base64
import glob
import json
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper

warnings.filterwarnings("ignore")


def tensor_json(array, elem_type=None):
    if isinstance(array, onnx.TensorProto):
        elem_type = array.data_type
        if elem_type == onnx.TensorProto.STRING:
            return None
        array = numpy_helper.to_array(array)
    array = np.asarray(array)
    if elem_type is None:
        elem_type = helper.np_dtype_to_tensor_dtype(array.dtype)
    if array.dtype == object:
        return None
    return {
        "type": int(elem_type),
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(),
    }


def attribute_json(attribute):
    value = helper.get_attribute_value(attribute)
    kind = attribute.type
    A = onnx.AttributeProto
    if kind == A.INT:
        return {"int": int(value)}
    if kind == A.FLOAT:
        return {"float": float(value)}
    if kind == A.STRING:
        return {"string": value.decode("utf-8", "replace")}
    if kind == A.INTS:
        return {"ints": [int(v) for v in value]}
    if kind == A.FLOATS:
        return {"floats": [float(v) for v in value]}
    if kind == A.STRINGS:
        return {"strings": [v.decode("utf-8", "replace") for v in value]}
    if kind == A.TENSOR:
        if value.data_type == onnx.TensorProto.STRING:
            return {"opaque": "string tensor"}
        converted = tensor_json(numpy_helper.to_array(value), value.data_type)
        return {"tensor": converted} if converted else {"opaque": "tensor"}
    return {"opaque": A.AttributeType.Name(kind)}


def case_json(name, source, model, inputs, outputs):
    node = model.graph.node[0]
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    declared_inputs = [i for i in model.graph.input]
    tensors_in = []
    for info, array in zip(declared_inputs, inputs):
        if not info.type.HasField("tensor_type"):
            return None
        converted = tensor_json(array, info.type.tensor_type.elem_type)
        if converted is None:
            return None
        tensors_in.append({"name": info.name, **converted})
    tensors_out = []
    for info, array in zip(model.graph.output, outputs):
        if not info.type.HasField("tensor_type"):
            return None
        converted = tensor_json(array, info.type.tensor_type.elem_type)
        if converted is None:
            return None
        tensors_out.append({"name": info.name, **converted})
    return {
        "name": name,
        "source": source,
        "opset": opset,
        "node": {
            "op_type": node.op_type,
            "domain": node.domain,
            "inputs": list(node.input),
            "outputs": list(node.output),
            "attributes": {a.name: attribute_json(a) for a in node.attribute},
        },
        "inputs": tensors_in,
        "outputs": tensors_out,
    }


def wheel_cases(ops):
    from onnx.backend.test.case.node import collect_testcases

    for case in collect_testcases(None):
        model = case.model
        if len(model.graph.node) != 1 or (ops and model.graph.node[0].op_type not in ops):
            continue
        for index, (inputs, outputs) in enumerate(case.data_sets or []):
            yield case_json(f"{case.name}#{index}", "onnx-wheel", model, inputs, outputs)


def debian_cases(ops):
    for path in sorted(glob.glob("/usr/share/libonnx-testdata/data/node/*/model.onnx")):
        model = onnx.load(path)
        if len(model.graph.node) != 1 or (ops and model.graph.node[0].op_type not in ops):
            continue
        folder = os.path.dirname(path)
        for data_set in sorted(glob.glob(os.path.join(folder, "test_data_set_*"))):
            def read(prefix):
                arrays = []
                for file in sorted(glob.glob(os.path.join(data_set, f"{prefix}_*.pb")),
                                   key=lambda f: int(f.rsplit("_", 1)[1].split(".")[0])):
                    proto = onnx.TensorProto()
                    with open(file, "rb") as handle:
                        proto.ParseFromString(handle.read())
                    arrays.append(numpy_helper.to_array(proto))
                return arrays
            name = f"{os.path.basename(folder)}#{os.path.basename(data_set)}"
            try:
                inputs, outputs = read("input"), read("output")
            except ValueError:
                continue  # sequence or optional values, which the kernels do not take
            yield case_json(name, "libonnx-testdata", model, inputs, outputs)


def main():
    output = sys.argv[1]
    ops = set(sys.argv[2:])
    cases = [c for source in (wheel_cases(ops), debian_cases(ops)) for c in source if c]
    with open(output, "w") as handle:
        json.dump(cases, handle)
    print(f"wrote {len(cases)} cases to {output}")


if __name__ == "__main__":
    main()
