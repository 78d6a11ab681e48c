/// One dense layer of a `Network`: row-major weights W[inputs][outputs] and a bias per output.
public struct DenseWeights: Sendable, Equatable {
    public let inputs: Int
    public let outputs: Int
    public let weights: [Float]
    public let bias: [Float]

    public init(inputs: Int, outputs: Int, weights: [Float], bias: [Float]) {
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
    }
}

extension Network {
    /// A network from layers made elsewhere (an imported file). Throws `TrainerError.corruptWeights`
    /// unless there are 1 to 9 layers whose sizes chain, whose tensors hold `inputs × outputs` and
    /// `outputs` values, all finite, within the sizes nnreg accepts, and a normalization (if any) with
    /// one finite mean and one positive scale per input.
    public init(layers: [DenseWeights], activation: Activation = .sigmoid, normalization: Normalization? = nil) throws {
        guard (1...(Self.maxHiddenLayers + 1)).contains(layers.count) else {
            throw TrainerError.corruptWeights("expected 1 to \(Self.maxHiddenLayers + 1) layers (hidden layers, then the output), got \(layers.count)")
        }
        for (index, layer) in layers.enumerated() {
            let name = "layer \(index + 1)"
            let isOutput = index == layers.count - 1
            guard layer.inputs >= 1, layer.outputs >= 1, layer.inputs <= Self.maxInputs,
                  layer.outputs <= (isOutput ? Self.maxClasses : Hyperparameters.sizeLimit) else {
                throw TrainerError.corruptWeights("\(name) is \(layer.inputs) × \(layer.outputs), outside the sizes nnreg trains")
            }
            guard layer.weights.count == layer.inputs * layer.outputs, layer.bias.count == layer.outputs else {
                throw TrainerError.corruptWeights("\(name) has \(layer.weights.count) weights and \(layer.bias.count) biases for \(layer.inputs) × \(layer.outputs)")
            }
            if index > 0, layer.inputs != layers[index - 1].outputs {
                throw TrainerError.corruptWeights("\(name) takes \(layer.inputs) inputs but layer \(index) gives \(layers[index - 1].outputs)")
            }
            guard layer.weights.allSatisfy(\.isFinite), layer.bias.allSatisfy(\.isFinite) else {
                throw TrainerError.corruptWeights("\(name) holds a NaN or infinite value")
            }
        }
        if let normalization {
            guard normalization.mean.count == layers[0].inputs, normalization.mean.allSatisfy(\.isFinite),
                  normalization.scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw TrainerError.corruptWeights("the normalization needs \(layers[0].inputs) finite means and positive scales")
            }
        }
        self.init(layers: layers, activation: activation, normalization: normalization, checked: ())
    }
}
