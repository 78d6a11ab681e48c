import ModelFormats
import Trainer

/// The network's tensors as they leave nnreg (safetensors, ONNX) and come back (import). Names follow
/// the seed TensorFlow example's `weights`/`biases` dicts — weights.h1, biases.b1, … for the hidden
/// layers, weights.out and biases.out for the output — with the normalization (if any) as
/// normalization.mean and normalization.scale; weights are row-major [inputs, outputs]. The
/// activation travels in the metadata (`activation`; sigmoid when absent).
extension Network {
    static func tensorNames(hiddenLayers: Int) -> [String] {
        (0..<hiddenLayers).flatMap { ["weights.h\($0 + 1)", "biases.b\($0 + 1)"] } + ["weights.out", "biases.out"]
    }
    static let normalizationNames = ["normalization.mean", "normalization.scale"]

    var exportedTensors: [Tensor] {
        let names = Self.tensorNames(hiddenLayers: layers.count - 1)
        var tensors = layers.enumerated().flatMap { index, layer in
            [Tensor(name: names[2 * index], shape: [layer.inputs, layer.outputs], values: layer.weights),
             Tensor(name: names[2 * index + 1], shape: [layer.outputs], values: layer.bias)]
        }
        if let normalization {
            tensors.append(Tensor(name: Self.normalizationNames[0], shape: [inputs], values: normalization.mean))
            tensors.append(Tensor(name: Self.normalizationNames[1], shape: [inputs], values: normalization.scale))
        }
        return tensors
    }

    /// The metadata an export carries about the network itself.
    var exportedMetadata: [String: String] { ["activation": activation.rawValue] }

    var onnxLayers: [DenseLayer] {
        let hiddenActivation: DenseLayer.Activation = switch activation {
        case .sigmoid: .sigmoid
        case .relu: .relu
        case .tanh: .tanh
        case .gelu: .gelu
        }
        return layers.enumerated().map { index, layer in
            DenseLayer(weights: layer.weights, inputs: layer.inputs, outputs: layer.outputs, bias: layer.bias,
                       activation: index == layers.count - 1 ? .softmax : hiddenActivation)
        }
    }

    var onnxNormalization: (mean: [Float], scale: [Float])? {
        normalization.map { ($0.mean, $0.scale) }
    }

    /// A network from imported tensors: weights.h1, biases.b1, … (any number of hidden layers, in
    /// order), weights.out and biases.out, optionally the normalization; weights 2-D and biases 1-D,
    /// with sizes that chain. `metadata["activation"]` names the activation. Throws a one-line `CLIError`.
    init(importing tensors: [Tensor], file: String, metadata: [String: String] = [:]) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var hiddenLayers = 0
        while byName["weights.h\(hiddenLayers + 1)"] != nil { hiddenLayers += 1 }
        let expected = Self.tensorNames(hiddenLayers: hiddenLayers)
        let missing = expected.filter { byName[$0] == nil }
        let unknown = tensors.map(\.name).filter { !expected.contains($0) && !Self.normalizationNames.contains($0) }
        guard missing.isEmpty, unknown.isEmpty else {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("lacks \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { problems.append("has unknown tensors \(unknown.prefix(5).joined(separator: ", "))") }
            throw CLIError("\(file) \(problems.joined(separator: " and ")); nnreg reads weights.h1, biases.b1, … weights.out, biases.out (see the README)")
        }
        var layers: [DenseWeights] = []
        for index in 0...hiddenLayers {
            let weights = byName[expected[2 * index]]!, bias = byName[expected[2 * index + 1]]!
            guard weights.shape.count == 2, bias.shape.count == 1, bias.shape[0] == weights.shape[1] else {
                throw CLIError("\(file): \(weights.name) \(weights.shape) and \(bias.name) \(bias.shape) do not make a layer; expected [in, out] and [out]")
            }
            layers.append(DenseWeights(inputs: weights.shape[0], outputs: weights.shape[1], weights: weights.values, bias: bias.values))
        }
        var normalization: Normalization?
        switch (byName[Self.normalizationNames[0]], byName[Self.normalizationNames[1]]) {
        case (nil, nil): break
        case let (mean?, scale?):
            guard mean.shape.count == 1, mean.shape == scale.shape else {
                throw CLIError("\(file): normalization.mean \(mean.shape) and normalization.scale \(scale.shape) must be one vector each, of one size")
            }
            normalization = Normalization(mean: mean.values, scale: scale.values)
        default: throw CLIError("\(file) has only one of normalization.mean and normalization.scale; it needs both or neither")
        }
        let activationName = metadata["activation"] ?? Activation.sigmoid.rawValue
        guard let activation = Activation(rawValue: activationName) else {
            throw CLIError("\(file) names activation '\(activationName)'; nnreg knows \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        do {
            try self.init(layers: layers, activation: activation, normalization: normalization)
        } catch {
            throw CLIError("\(file): \(error)")
        }
    }
}
