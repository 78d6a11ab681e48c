/// Writes a stack of dense layers as an ONNX model (IR version 8, default opset 13) that onnxruntime
/// runs as it is: `input → Gemm → Sigmoid → … → Gemm → Softmax → output`, each layer's weights and
/// bias stored as FLOAT initializers with little-endian raw data.
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
    /// metadata_props in the given order. Consecutive layers must agree on their sizes.
    public static func model(
        layers: [DenseLayer], inputName: String = "pixels", outputName: String = "probabilities",
        producerVersion: String, metadata: [(String, String)]
    ) -> [UInt8] {
        precondition(!layers.isEmpty, "an ONNX model needs at least one layer")
        for (layer, next) in zip(layers, layers.dropFirst()) {
            precondition(layer.outputs == next.inputs, "a layer with \(layer.outputs) outputs feeds one with \(next.inputs) inputs")
        }
        var model = ProtobufWriter()
        model.field(1, int64: irVersion)
        model.field(2, string: "nnreg")
        model.field(3, string: producerVersion)
        model.field(7) { graph(&$0, layers: layers, inputName: inputName, outputName: outputName) }
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
    private static func graph(_ graph: inout ProtobufWriter, layers: [DenseLayer], inputName: String, outputName: String) {
        var previous = inputName
        for (index, layer) in layers.enumerated() {
            let n = index + 1
            let isLast = n == layers.count
            let affine = "dense\(n)", activated = isLast ? outputName : "hidden\(n)"
            graph.field(1) { node(&$0, op: "Gemm", name: "Gemm_\(n)", inputs: [previous, "W\(n)", "b\(n)"], output: affine) }
            switch layer.activation {
            case .sigmoid:
                graph.field(1) { node(&$0, op: "Sigmoid", name: "Sigmoid_\(n)", inputs: [affine], output: activated) }
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
