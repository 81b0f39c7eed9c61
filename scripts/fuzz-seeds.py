#!/usr/bin/env python3
"""Writes a seed corpus for Fuzz/FuzzLoader: small ONNX models covering what the loader
handles (opsets 11 to 21, typed and raw tensor data, Constant weights, value_info, metadata,
subgraphs, external data references, string and 4-bit initializers, quantization ops) and a
few TensorProto files.

    scripts/fuzz-seeds.py DIR

Run by scripts/fuzz-loader with the onnx package of /work/venv (or any Python with onnx).
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

rng = np.random.default_rng(0)


def weights(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def model(nodes, inputs, outputs, inits=(), opset=17, value_info=(), **kwargs):
    graph = h.make_graph(nodes, "seed", inputs, outputs, list(inits), value_info=list(value_info))
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], **kwargs)


def seeds():
    f = lambda name, *dims: h.make_tensor_value_info(name, T.FLOAT, list(dims))

    mlp = model(
        [
            h.make_node("MatMul", ["obs", "w1"], ["h1"], name="fc1", doc_string="first layer"),
            h.make_node("Add", ["h1", "b1"], ["h2"]),
            h.make_node("Relu", ["h2"], ["h3"]),
            h.make_node("Gemm", ["h3", "w2", "b2"], ["h4"], transB=1),
            h.make_node("Tanh", ["h4"], ["act"]),
        ],
        [f("obs", "batch", 8)], [f("act", "batch", 3)],
        [weights("w1", 8, 16), weights("b1", 16), weights("w2", 3, 16),
         h.make_tensor("b2", T.FLOAT, [3], [0.1, 0.2, 0.3])],
        value_info=[f("h1", "batch", 16)], doc_string="mlp policy")
    onnx.helper.set_model_props(mlp, {"author": "fuzz", "task": "policy"})
    yield "mlp", mlp

    yield "opset11_axes", model(
        [
            h.make_node("Squeeze", ["x"], ["a"], axes=[1]),
            h.make_node("Unsqueeze", ["a"], ["b"], axes=[0]),
            h.make_node("ReduceSum", ["b"], ["c"], axes=[2], keepdims=0),
            h.make_node("Split", ["x"], ["s1", "s2"], axis=2, split=[1, 3]),
            h.make_node("Clip", ["c", "lo", "hi"], ["y"]),
        ],
        [f("x", "N", 1, 4)], [f("y", None, None), f("s1", "N", 1, 1), f("s2", "N", 1, 3)],
        [numpy_helper.from_array(np.array(-1, np.float32), "lo"), numpy_helper.from_array(np.array(1, np.float32), "hi")],
        opset=11)

    yield "cnn", model(
        [
            h.make_node("Conv", ["img", "cw", "cb"], ["c"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
            h.make_node("BatchNormalization", ["c", "s", "cb", "m", "v"], ["n"]),
            h.make_node("Relu", ["n"], ["r"]),
            h.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
            h.make_node("GlobalAveragePool", ["p"], ["g"]),
            h.make_node("Flatten", ["g"], ["fl"]),
            h.make_node("Gemm", ["fl", "fw", "fb"], ["y"], transB=1),
        ],
        [f("img", "N", 3, 16, 16)], [f("y", "N", 2)],
        [weights("cw", 4, 3, 3, 3), weights("cb", 4), weights("s", 4), weights("m", 4),
         numpy_helper.from_array(np.abs(rng.standard_normal(4)).astype(np.float32) + 1e6, "v"),
         weights("fw", 2, 4), weights("fb", 2)], opset=13)

    yield "constant_weights", model(
        [
            h.make_node("Constant", [], ["w"], value=weights("", 4, 4)),
            h.make_node("Constant", [], ["shape"], value_ints=[-1, 16]),
            h.make_node("MatMul", ["x", "w"], ["y0"]),
            h.make_node("Reshape", ["y0", "shape"], ["y"]),
        ],
        [f("x", "N", 4, 4)], [f("y", None, 16)], opset=14)

    then_graph = h.make_graph([h.make_node("Identity", ["x"], ["t"])], "then", [], [f("t", 2)])
    else_graph = h.make_graph([h.make_node("Neg", ["x"], ["e"])], "else", [], [f("e", 2)])
    yield "if_subgraph", model(
        [h.make_node("If", ["cond"], ["y"], then_branch=then_graph, else_branch=else_graph)],
        [h.make_tensor_value_info("cond", T.BOOL, []), f("x", 2)], [f("y", 2)], opset=16)

    ext = T(name="w", data_type=T.FLOAT, dims=[4])
    ext.data_location = T.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "64"), ("length", "16")):
        entry = ext.external_data.add()
        entry.key, entry.value = key, value
    yield "external_data", model([h.make_node("Add", ["x", "w"], ["y"])], [f("x", 4)], [f("y", 4)], [ext])

    strings = h.make_tensor("labels", T.STRING, [2], [b"cat", b"dog"])
    int4 = h.make_tensor("packed", T.INT4, [3], [1, -2, 3])
    yield "opaque_initializers", model(
        [h.make_node("Identity", ["x"], ["y"])], [f("x", 1)], [f("y", 1)], [strings, int4], opset=21, ir_version=10)

    yield "dynamic_reshape", model(
        [
            h.make_node("Shape", ["x"], ["s"]),
            h.make_node("Gather", ["s", "zero"], ["n"], axis=0),
            h.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
            h.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
            h.make_node("Reshape", ["x", "target"], ["y"]),
            h.make_node("Slice", ["y", "starts", "ends", "axes1"], ["z"]),
        ],
        [f("x", "N", 2, 3)], [f("z", "N", 2)],
        [numpy_helper.from_array(np.array(0, np.int64), "zero"), numpy_helper.from_array(np.array([0], np.int64), "axes"),
         numpy_helper.from_array(np.array([-1], np.int64), "minus1"), numpy_helper.from_array(np.array([0], np.int64), "starts"),
         numpy_helper.from_array(np.array([2], np.int64), "ends"), numpy_helper.from_array(np.array([1], np.int64), "axes1")],
        opset=13)

    u8 = lambda name, value: numpy_helper.from_array(np.array(value, np.uint8), name)
    i8 = lambda name, value: numpy_helper.from_array(np.array(value, np.int8), name)
    sc = lambda name, value: numpy_helper.from_array(np.array(value, np.float32), name)
    yield "quantized", model(
        [
            h.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
            h.make_node("MatMulInteger", ["xq", "wq", "xz"], ["acc"]),
            h.make_node("QuantizeLinear", ["img", "s", "zp"], ["iq"]),
            h.make_node("QLinearConv", ["iq", "s", "zp", "cw", "s", "wz", "s", "zp"], ["qc"], pads=[1, 1, 1, 1]),
            h.make_node("DequantizeLinear", ["qc", "s", "zp"], ["y"]),
        ],
        [f("x", "N", 4), f("img", "N", 2, 4, 4)],
        [h.make_tensor_value_info("acc", T.INT32, ["N", 2]), f("y", "N", 2, 4, 4)],
        [i8("wq", rng.integers(-5, 5, (4, 2))), sc("s", 0.05), u8("zp", 128),
         i8("cw", rng.integers(-5, 5, (2, 2, 3, 3))), i8("wz", 0)], opset=13)

    yield "lstm", model(
        [h.make_node("LSTM", ["x", "w", "r"], ["y", "yh", "yc"], hidden_size=4, direction="bidirectional")],
        [f("x", "T", "N", 3)], [f("y", "T", 2, "N", 4), f("yh", 2, "N", 4), f("yc", 2, "N", 4)],
        [weights("w", 2, 16, 3), weights("r", 2, 16, 4)], opset=14)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz-seeds.py DIR")
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    for name, m in seeds():
        with open(os.path.join(folder, f"seed-{name}.onnx"), "wb") as out:
            out.write(m.SerializeToString())
    tensors = {
        "tensor-float": numpy_helper.from_array(rng.standard_normal((2, 3)).astype(np.float32), "input"),
        "tensor-int64": numpy_helper.from_array(np.arange(5, dtype=np.int64), "ids"),
        "tensor-typed": h.make_tensor("typed", T.INT8, [3], [1, -2, 3]),
    }
    for name, tensor in tensors.items():
        with open(os.path.join(folder, f"seed-{name}.pb"), "wb") as out:
            out.write(tensor.SerializeToString())


if __name__ == "__main__":
    main()
