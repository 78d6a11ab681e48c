/// Writes a stack of dense layers as an ONNX model (IR version 8, default opset 13) that onnxruntime
/// runs as it is: `input → [Sub mean → Div scale] → Gemm → activation → … → Gemm → Softmax → output`,
/// each layer's weights and bias stored as FLOAT initializers with little-endian raw data. GELU, which
/// opset 13 lacks, is written out as its tanh formula in Mul, Add and Tanh nodes.
///
/// The protobuf is written by hand (`ProtobufWriter`) with the field numbers of onnx/onnx.proto, so
/// the module needs no protobuf library.
public enum ONNXExport {
    static let irVersion: Int64 = 8
    static let opsetVersion: Int64 = 13

    /// TensorProto.DataType.FLOAT and AttributeProto.AttributeType.INT.
    private static let floatType: Int64 = 1, intAttributeType: Int64 = 2

    /// A serialized `ModelProto` for `layers` applied in order to a `[N, layers[0].inputs]` float
    /// input; the output is `[N, layers.last.outputs]`. `metadata` becomes the model's
    /// metadata_props in the given order. Consecutive layers must agree on their sizes. With
    /// `normalization`, the input is first standardized: (x − mean) / scale, one value per input.
    public static func model(
        layers: [DenseLayer], normalization: (mean: [Float], scale: [Float])? = nil, inputName: String = "pixels",
        outputName: String = "probabilities", producerVersion: String, metadata: [(String, String)]
    ) -> [UInt8] {
        precondition(!layers.isEmpty, "an ONNX model needs at least one layer")
        for (layer, next) in zip(layers, layers.dropFirst()) {
            precondition(layer.outputs == next.inputs, "a layer with \(layer.outputs) outputs feeds one with \(next.inputs) inputs")
        }
        var model = ProtobufWriter()
        model.field(1, int64: irVersion)
        model.field(2, string: "nnreg")
        model.field(3, string: producerVersion)
        if let normalization {
            precondition(normalization.mean.count == layers[0].inputs && normalization.scale.count == layers[0].inputs,
                         "the normalization needs one mean and scale per input")
        }
        model.field(7) { graph(&$0, layers: layers, normalization: normalization, inputName: inputName, outputName: outputName) }
        model.field(8) { opset in
            opset.field(1, string: "")
            opset.field(2, int64: opsetVersion)
        }
        for (key, value) in metadata {
            model.field(14) { entry in
                entry.field(1, string: key)
                entry.field(2, string: value)
            }
        }
        return model.bytes
    }

    /// GraphProto: nodes (1), name (2), initializers (5), inputs (11), outputs (12).
    private static func graph(_ graph: inout ProtobufWriter, layers: [DenseLayer], normalization: (mean: [Float], scale: [Float])?,
                              inputName: String, outputName: String) {
        var previous = inputName
        if normalization != nil {
            graph.field(1) { node(&$0, op: "Sub", name: "Normalize_sub", inputs: [inputName, "input_mean"], output: "centered") }
            graph.field(1) { node(&$0, op: "Div", name: "Normalize_div", inputs: ["centered", "input_scale"], output: "standardized") }
            previous = "standardized"
        }
        var usesGELU = false
        for (index, layer) in layers.enumerated() {
            let n = index + 1
            let isLast = n == layers.count
            let affine = "dense\(n)", activated = isLast ? outputName : "hidden\(n)"
            graph.field(1) { node(&$0, op: "Gemm", name: "Gemm_\(n)", inputs: [previous, "W\(n)", "b\(n)"], output: affine) }
            switch layer.activation {
            case .sigmoid:
                graph.field(1) { node(&$0, op: "Sigmoid", name: "Sigmoid_\(n)", inputs: [affine], output: activated) }
            case .relu:
                graph.field(1) { node(&$0, op: "Relu", name: "Relu_\(n)", inputs: [affine], output: activated) }
            case .tanh:
                graph.field(1) { node(&$0, op: "Tanh", name: "Tanh_\(n)", inputs: [affine], output: activated) }
            case .gelu:
                usesGELU = true
                // 0.5 x (1 + tanh(k (x + c x³))) with k = √(2/π), c = 0.044715.
                let steps: [(String, [String], String)] = [
                    ("Mul", [affine, affine], "gelu\(n)_x2"), ("Mul", ["gelu\(n)_x2", affine], "gelu\(n)_x3"),
                    ("Mul", ["gelu\(n)_x3", "gelu_c"], "gelu\(n)_cx3"), ("Add", [affine, "gelu\(n)_cx3"], "gelu\(n)_inner"),
                    ("Mul", ["gelu\(n)_inner", "gelu_k"], "gelu\(n)_u"), ("Tanh", ["gelu\(n)_u"], "gelu\(n)_t"),
                    ("Add", ["gelu\(n)_t", "gelu_one"], "gelu\(n)_t1"), ("Mul", [affine, "gelu\(n)_t1"], "gelu\(n)_xt"),
                    ("Mul", ["gelu\(n)_xt", "gelu_half"], activated),
                ]
                for (step, (op, inputs, output)) in steps.enumerated() {
                    graph.field(1) { node(&$0, op: op, name: "GELU_\(n)_\(step)", inputs: inputs, output: output) }
                }
            case .softmax:
                graph.field(1) { node in
                    ONNXExport.node(&node, op: "Softmax", name: "Softmax_\(n)", inputs: [affine], output: activated) { attribute in
                        attribute.field(1, string: "axis")
                        attribute.field(3, int64: 1)
                        attribute.field(20, int64: intAttributeType)
                    }
                }
            }
            previous = activated
        }
        graph.field(2, string: "nnreg_mlp")
        for (index, layer) in layers.enumerated() {
            graph.field(5) { initializer(&$0, name: "W\(index + 1)", dims: [layer.inputs, layer.outputs], values: layer.weights) }
            graph.field(5) { initializer(&$0, name: "b\(index + 1)", dims: [layer.outputs], values: layer.bias) }
        }
        if let normalization {
            graph.field(5) { initializer(&$0, name: "input_mean", dims: [normalization.mean.count], values: normalization.mean) }
            graph.field(5) { initializer(&$0, name: "input_scale", dims: [normalization.scale.count], values: normalization.scale) }
        }
        if usesGELU {
            for (name, value) in [("gelu_c", Float(0.044715)), ("gelu_k", Float(0.7978845608028654)), ("gelu_one", 1), ("gelu_half", 0.5)] {
                graph.field(5) { initializer(&$0, name: name, dims: [], values: [value]) }
            }
        }
        graph.field(11) { valueInfo(&$0, name: inputName, width: layers[0].inputs) }
        graph.field(12) { valueInfo(&$0, name: outputName, width: layers[layers.count - 1].outputs) }
    }

    /// NodeProto: inputs (1), output (2), name (3), op_type (4), attribute (5).
    private static func node(
        _ node: inout ProtobufWriter, op: String, name: String, inputs: [String], output: String,
        attribute: ((inout ProtobufWriter) -> Void)? = nil
    ) {
        for input in inputs { node.field(1, string: input) }
        node.field(2, string: output)
        node.field(3, string: name)
        node.field(4, string: op)
        if let attribute { node.field(5, message: attribute) }
    }

    /// TensorProto: dims (1, unpacked as proto2 writes them), data_type (2), name (8), raw_data (9).
    private static func initializer(_ tensor: inout ProtobufWriter, name: String, dims: [Int], values: [Float]) {
        for dim in dims { tensor.field(1, int64: Int64(dim)) }
        tensor.field(2, int64: floatType)
        tensor.field(8, string: name)
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        tensor.field(9, bytes: raw)
    }

    /// ValueInfoProto of a `[N, width]` float tensor: name (1), type (2) → TypeProto.tensor_type (1) →
    /// elem_type (1), shape (2) → dim (1) → dim_param (2) "N" or dim_value (1).
    private static func valueInfo(_ info: inout ProtobufWriter, name: String, width: Int) {
        info.field(1, string: name)
        info.field(2) { type in
            type.field(1) { tensorType in
                tensorType.field(1, int64: floatType)
                tensorType.field(2) { shape in
                    shape.field(1) { $0.field(2, string: "N") }
                    shape.field(1) { $0.field(1, int64: Int64(width)) }
                }
            }
        }
    }
}
