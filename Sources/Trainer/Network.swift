/// The trained weights of the 784 → hidden1 (sigmoid) → hidden2 (sigmoid) → classes (softmax) network.
public struct Network: Sendable, Equatable {
    public let inputs: Int, hidden1: Int, hidden2: Int, classes: Int
    /// Row-major weights W[in][out] and biases.
    let w1: [Float], b1: [Float], w2: [Float], b2: [Float], w3: [Float], b3: [Float]

    static let magic = Array("NNRGWGHT".utf8)
    static let version: UInt32 = 1
    /// Largest accepted input width (a 4096 x 4096 image).
    static let maxInputs = 1 << 24

    var tensors: [[Float]] { [w1, b1, w2, b2, w3, b3] }

    init(inputs: Int, hidden1: Int, hidden2: Int, classes: Int,
         w1: [Float], b1: [Float], w2: [Float], b2: [Float], w3: [Float], b3: [Float]) {
        precondition(w1.count == inputs * hidden1 && b1.count == hidden1 && w2.count == hidden1 * hidden2
                     && b2.count == hidden2 && w3.count == hidden2 * classes && b3.count == classes,
                     "network tensors do not match \(inputs)-\(hidden1)-\(hidden2)-\(classes)")
        self.inputs = inputs; self.hidden1 = hidden1; self.hidden2 = hidden2; self.classes = classes
        self.w1 = w1; self.b1 = b1; self.w2 = w2; self.b2 = b2; self.w3 = w3; self.b3 = b3
    }

    /// The weights blob: "NNRGWGHT", UInt32 version, UInt32 inputs/hidden1/hidden2/classes, then
    /// W1, b1, W2, b2, W3, b3 as little-endian Float32 (W row-major [in][out]).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(raw: Self.magic)
        writer.write(Self.version)
        for d in [inputs, hidden1, hidden2, classes] { writer.write(UInt32(d)) }
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
        guard version == Self.version else { throw ByteReader.Failure(reason: "unsupported weights version \(version)") }
        var dims: [Int] = []
        for (name, limit) in [("inputs", maxInputs), ("hidden1", Hyperparameters.sizeLimit), ("hidden2", Hyperparameters.sizeLimit), ("classes", 256)] {
            let d = Int(try reader.read(UInt32.self, name))
            guard d >= 1, d <= limit else { throw ByteReader.Failure(reason: "\(name) \(d) is not in 1...\(limit)") }
            dims.append(d)
        }
        let counts = [dims[0] * dims[1], dims[1], dims[1] * dims[2], dims[2], dims[2] * dims[3], dims[3]]
        var total = 0
        for c in counts {
            let (sum, overflow) = total.addingReportingOverflow(c)
            guard !overflow, c <= Int.max / 4 else { throw ByteReader.Failure(reason: "tensor sizes overflow") }
            total = sum
        }
        guard reader.remaining / 4 >= total else {
            throw ByteReader.Failure(reason: "expected \(total) floats for \(dims.map(String.init).joined(separator: "-")), have \(reader.remaining / 4)")
        }
        let names = ["W1", "b1", "W2", "b2", "W3", "b3"]
        var t: [[Float]] = []
        for (c, name) in zip(counts, names) { t.append(try reader.readFloats(c, name)) }
        return Network(inputs: dims[0], hidden1: dims[1], hidden2: dims[2], classes: dims[3],
                       w1: t[0], b1: t[1], w2: t[2], b2: t[3], w3: t[4], b3: t[5])
    }

    /// Throws `TrainerError.shapeMismatch` unless the split's images and labels fit this network.
    public func validate(for split: Split) throws {
        guard split.features == inputs else {
            throw TrainerError.shapeMismatch("the network takes \(inputs) pixels, the images have \(split.features)")
        }
        if let label = split.labels.first(where: { Int($0) >= classes }) {
            throw TrainerError.shapeMismatch("label \(label) is not below the network's \(classes) classes")
        }
    }
}
