import ModelFormats
import Trainer

/// The network's tensors as they leave nnreg (safetensors, ONNX) and come back (import). Names follow
/// the seed TensorFlow example's `weights`/`biases` dicts; weights are row-major [inputs, outputs].
extension Network {
    static let tensorNames = ["weights.h1", "biases.b1", "weights.h2", "biases.b2", "weights.out", "biases.out"]

    var exportedTensors: [Tensor] {
        layers.enumerated().flatMap { index, layer in
            [Tensor(name: Self.tensorNames[2 * index], shape: [layer.inputs, layer.outputs], values: layer.weights),
             Tensor(name: Self.tensorNames[2 * index + 1], shape: [layer.outputs], values: layer.bias)]
        }
    }

    var onnxLayers: [DenseLayer] {
        layers.enumerated().map { index, layer in
            DenseLayer(weights: layer.weights, inputs: layer.inputs, outputs: layer.outputs, bias: layer.bias,
                       activation: index == 2 ? .softmax : .sigmoid)
        }
    }

    /// A network from imported tensors: exactly the six names, weights 2-D and biases 1-D, with sizes
    /// that chain (the hidden sizes are read from the shapes). Throws a one-line `CLIError`.
    init(importing tensors: [Tensor], file: String) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let missing = Self.tensorNames.filter { byName[$0] == nil }
        let unknown = tensors.map(\.name).filter { !Self.tensorNames.contains($0) }
        guard missing.isEmpty, unknown.isEmpty else {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("lacks \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { problems.append("has unknown tensors \(unknown.prefix(5).joined(separator: ", "))") }
            throw CLIError("\(file) \(problems.joined(separator: " and ")); nnreg reads \(Self.tensorNames.joined(separator: ", ")) (see the README)")
        }
        var layers: [DenseWeights] = []
        for index in 0..<3 {
            let weights = byName[Self.tensorNames[2 * index]]!, bias = byName[Self.tensorNames[2 * index + 1]]!
            guard weights.shape.count == 2, bias.shape.count == 1, bias.shape[0] == weights.shape[1] else {
                throw CLIError("\(file): \(weights.name) \(weights.shape) and \(bias.name) \(bias.shape) do not make a layer; expected [in, out] and [out]")
            }
            layers.append(DenseWeights(inputs: weights.shape[0], outputs: weights.shape[1], weights: weights.values, bias: bias.values))
        }
        do {
            try self.init(layers: layers)
        } catch {
            throw CLIError("\(file): \(error)")
        }
    }
}
