/// The nonlinearity after every hidden layer.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case sigmoid, relu, tanh
    /// GELU in its tanh form: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
    case gelu

    var code: UInt32 {
        switch self {
        case .sigmoid: 0
        case .relu: 1
        case .tanh: 2
        case .gelu: 3
        }
    }

    init?(code: UInt32) {
        guard let found = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = found
    }
}

/// Standardization of the inputs, applied before the first layer: x' = (x − mean) / scale, with
/// statistics from the training split (a constant feature gets scale 1).
public struct Normalization: Sendable, Equatable {
    public let mean: [Float]
    public let scale: [Float]

    public init(mean: [Float], scale: [Float]) {
        precondition(mean.count == scale.count, "normalization: \(mean.count) means and \(scale.count) scales")
        self.mean = mean
        self.scale = scale
    }
}

/// The trained weights of a dense network: inputs → hidden layers (each followed by `activation`) →
/// classes (softmax). The seed's network is 784 → 128 → 256 → 10 with sigmoid.
public struct Network: Sendable, Equatable {
    /// The hidden layers in order, then the output layer; weights row-major W[in][out].
    public let layers: [DenseWeights]
    public let activation: Activation
    public let normalization: Normalization?

    public var inputs: Int { layers[0].inputs }
    public var classes: Int { layers[layers.count - 1].outputs }
    /// The widths of the hidden layers (empty for a linear softmax classifier).
    public var hidden: [Int] { layers.dropLast().map(\.outputs) }
    /// "784-128-256-10".
    public var shape: String { ([inputs] + layers.map(\.outputs)).map(String.init).joined(separator: "-") }

    static let magic = Array("NNRGWGHT".utf8)
    /// 1: the seed's two sigmoid hidden layers, sizes and tensors only. 2: any depth, an activation
    /// and an optional normalization. A network version 1 can hold is still written as version 1, so
    /// the seed's weights keep their SHA-256.
    static let version: UInt32 = 2
    /// Largest accepted input width (a 4096 x 4096 image).
    static let maxInputs = 1 << 24
    static let maxClasses = 256
    public static let maxHiddenLayers = 8

    var tensors: [[Float]] { layers.flatMap { [$0.weights, $0.bias] } }

    /// Precondition: the layers chain and hold their sizes' values; the normalization (if any) has one
    /// value per input.
    init(layers: [DenseWeights], activation: Activation, normalization: Normalization?, checked: Void) {
        precondition(!layers.isEmpty && layers.indices.dropFirst().allSatisfy { layers[$0].inputs == layers[$0 - 1].outputs }
                     && layers.allSatisfy { $0.weights.count == $0.inputs * $0.outputs && $0.bias.count == $0.outputs }
                     && (normalization?.mean.count ?? layers[0].inputs) == layers[0].inputs,
                     "network layers do not chain")
        self.layers = layers
        self.activation = activation
        self.normalization = normalization
    }

    /// Whether version 1 of the blob describes this network.
    var isSeedShaped: Bool { layers.count == 3 && activation == .sigmoid && normalization == nil }

    /// The weights blob. Version 1 (the seed's shape): "NNRGWGHT", UInt32 1, UInt32
    /// inputs/hidden1/hidden2/classes, then W1, b1, W2, b2, W3, b3 as little-endian Float32.
    /// Version 2: "NNRGWGHT", UInt32 2, UInt32 activation (0 sigmoid, 1 relu, 2 tanh, 3 gelu),
    /// UInt32 layer count L, L + 1 UInt32 widths, UInt32 1 and the normalization's means then scales
    /// (or UInt32 0), then each layer's W and b.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(raw: Self.magic)
        if isSeedShaped {
            writer.write(UInt32(1))
        } else {
            writer.write(Self.version)
            writer.write(activation.code)
            writer.write(UInt32(layers.count))
        }
        for d in [inputs] + layers.map(\.outputs) { writer.write(UInt32(d)) }
        if !isSeedShaped {
            if let normalization {
                writer.write(UInt32(1))
                writer.write(normalization.mean)
                writer.write(normalization.scale)
            } else {
                writer.write(UInt32(0))
            }
        }
        for t in tensors { writer.write(t) }
        return writer.bytes
    }

    /// Decodes and validates a weights blob; throws `TrainerError.corruptWeights`.
    public init(serialized bytes: [UInt8]) throws {
        var reader = ByteReader(bytes)
        do {
            self = try Network.decode(&reader)
            try reader.expectEnd()
        } catch let failure as ByteReader.Failure {
            throw TrainerError.corruptWeights(failure.reason)
        }
    }

    static func decode(_ reader: inout ByteReader) throws -> Network {
        guard try reader.readRaw(8, "magic") == magic else { throw ByteReader.Failure(reason: "not a weights blob (bad magic)") }
        let version = try reader.read(UInt32.self, "version")
        guard version == 1 || version == Self.version else { throw ByteReader.Failure(reason: "unsupported weights version \(version)") }
        var activation = Activation.sigmoid
        var layerCount = 3
        if version == 2 {
            let code = try reader.read(UInt32.self, "activation")
            guard let decoded = Activation(code: code) else { throw ByteReader.Failure(reason: "unknown activation \(code)") }
            activation = decoded
            layerCount = Int(try reader.read(UInt32.self, "layer count"))
            guard (1...(Self.maxHiddenLayers + 1)).contains(layerCount) else {
                throw ByteReader.Failure(reason: "\(layerCount) layers is not in 1...\(Self.maxHiddenLayers + 1)")
            }
        }
        var dims: [Int] = []
        for index in 0...layerCount {
            let name = index == 0 ? "inputs" : index == layerCount ? "classes" : "hidden\(index)"
            let limit = index == 0 ? maxInputs : index == layerCount ? maxClasses : Hyperparameters.sizeLimit
            let d = Int(try reader.read(UInt32.self, name))
            guard d >= 1, d <= limit else { throw ByteReader.Failure(reason: "\(name) \(d) is not in 1...\(limit)") }
            dims.append(d)
        }
        var normalization: Normalization?
        if version == 2 {
            switch try reader.read(UInt32.self, "normalization flag") {
            case 0: break
            case 1:
                let mean = try reader.readFloats(dims[0], "normalization mean")
                let scale = try reader.readFloats(dims[0], "normalization scale")
                guard scale.allSatisfy({ $0 > 0 }) else { throw ByteReader.Failure(reason: "a normalization scale is not above 0") }
                normalization = Normalization(mean: mean, scale: scale)
            case let flag: throw ByteReader.Failure(reason: "normalization flag \(flag) is not 0 or 1")
            }
        }
        var total = 0
        for l in 0..<layerCount {
            let (product, overflow) = dims[l].multipliedReportingOverflow(by: dims[l + 1])
            guard !overflow, product <= Int.max / 8 else { throw ByteReader.Failure(reason: "tensor sizes overflow") }
            let (sum, overflow2) = total.addingReportingOverflow(product + dims[l + 1])
            guard !overflow2 else { throw ByteReader.Failure(reason: "tensor sizes overflow") }
            total = sum
        }
        guard reader.remaining / 4 >= total else {
            throw ByteReader.Failure(reason: "expected \(total) floats for \(dims.map(String.init).joined(separator: "-")), have \(reader.remaining / 4)")
        }
        var layers: [DenseWeights] = []
        for l in 0..<layerCount {
            let weights = try reader.readFloats(dims[l] * dims[l + 1], "W\(l + 1)")
            let bias = try reader.readFloats(dims[l + 1], "b\(l + 1)")
            layers.append(DenseWeights(inputs: dims[l], outputs: dims[l + 1], weights: weights, bias: bias))
        }
        let network = Network(layers: layers, activation: activation, normalization: normalization, checked: ())
        // One network, one blob: the seed's shape is written as version 1 only (its SHA-256 names it).
        guard version == 1 || !network.isSeedShaped else {
            throw ByteReader.Failure(reason: "a version-2 blob of the seed's shape, which is written as version 1")
        }
        return network
    }

    /// Throws `TrainerError.shapeMismatch` unless the split's examples and labels fit this network.
    public func validate(for split: Split) throws {
        guard split.features == inputs else {
            throw TrainerError.shapeMismatch("the network takes \(inputs) features, the data has \(split.features)")
        }
        if let label = split.labels.first(where: { Int($0) >= classes }) {
            throw TrainerError.shapeMismatch("label \(label) is not below the network's \(classes) classes")
        }
    }
}
