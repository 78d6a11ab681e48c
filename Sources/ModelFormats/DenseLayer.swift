/// One fully connected layer as an exporter sees it: `activation(x · weights + bias)` with `weights`
/// row-major `[inputs, outputs]`, the layout nnreg trains and ONNX's Gemm takes without transposing.
public struct DenseLayer: Sendable, Equatable {
    /// The nonlinearity after the affine map.
    public enum Activation: Sendable, Equatable {
        case sigmoid
        case relu
        case tanh
        /// GELU in its tanh form: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
        case gelu
        /// Softmax across each row's outputs (axis 1).
        case softmax
    }

    public let weights: [Float]
    public let inputs: Int
    public let outputs: Int
    public let bias: [Float]
    public let activation: Activation

    /// `weights` must hold `inputs * outputs` values and `bias` `outputs`.
    public init(weights: [Float], inputs: Int, outputs: Int, bias: [Float], activation: Activation) {
        precondition(inputs > 0 && outputs > 0, "a dense layer needs positive sizes, got \(inputs)x\(outputs)")
        precondition(weights.count == inputs * outputs,
                     "a \(inputs)x\(outputs) layer needs \(inputs * outputs) weights, got \(weights.count)")
        precondition(bias.count == outputs, "a layer with \(outputs) outputs needs \(outputs) biases, got \(bias.count)")
        self.weights = weights
        self.inputs = inputs
        self.outputs = outputs
        self.bias = bias
        self.activation = activation
    }
}
