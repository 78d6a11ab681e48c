/// A named F32 tensor, the unit a safetensors file stores: row-major `values` of the given `shape`.
public struct Tensor: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let values: [Float]

    /// `values.count` must be the product of `shape` (1 for a scalar, `shape == []`).
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor \(name) has a negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == values.count,
                     "tensor \(name) has shape \(shape) but \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// Whether the two tensors hold the same name, shape and bit patterns (`==` compares values as
    /// numbers, so it takes -0 for 0 and never matches a NaN).
    public func isBitIdentical(to other: Tensor) -> Bool {
        name == other.name && shape == other.shape
            && values.elementsEqual(other.values) { $0.bitPattern == $1.bitPattern }
    }
}
