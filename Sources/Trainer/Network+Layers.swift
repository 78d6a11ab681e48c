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
    /// The three layers in order (→ hidden1 sigmoid, → hidden2 sigmoid, → classes softmax), for
    /// writing the weights in other formats.
    public var layers: [DenseWeights] {
        [DenseWeights(inputs: inputs, outputs: hidden1, weights: w1, bias: b1),
         DenseWeights(inputs: hidden1, outputs: hidden2, weights: w2, bias: b2),
         DenseWeights(inputs: hidden2, outputs: classes, weights: w3, bias: b3)]
    }

    /// A network from three layers made elsewhere (an imported file). Throws
    /// `TrainerError.corruptWeights` unless there are exactly three layers whose sizes chain, whose
    /// tensors hold `inputs × outputs` and `outputs` values, all finite, within the sizes nnreg accepts.
    public init(layers: [DenseWeights]) throws {
        guard layers.count == 3 else {
            throw TrainerError.corruptWeights("expected 3 layers (784 → hidden1 → hidden2 → classes), got \(layers.count)")
        }
        for (index, layer) in layers.enumerated() {
            let name = "layer \(index + 1)"
            guard layer.inputs >= 1, layer.outputs >= 1, layer.inputs <= Self.maxInputs,
                  layer.outputs <= (index == 2 ? 256 : Hyperparameters.sizeLimit) else {
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
        self.init(inputs: layers[0].inputs, hidden1: layers[0].outputs, hidden2: layers[1].outputs, classes: layers[2].outputs,
                  w1: layers[0].weights, b1: layers[0].bias, w2: layers[1].weights, b2: layers[1].bias,
                  w3: layers[2].weights, b3: layers[2].bias)
    }
}
