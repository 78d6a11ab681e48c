import CKernels

/// The nonzero features of every example of a split, found once per run so that each step's batch is
/// copied from lists instead of rescanning every feature of every row (MNIST is about 80% zeros).
/// Six bytes per nonzero: 56 MB for the MNIST training set.
final class SparseImages {
    let count: Int, features: Int
    let rowStart: UnsafeMutablePointer<Int64>
    let columns: UnsafeMutablePointer<UInt16>
    let values: UnsafeMutablePointer<Float>

    /// The widest examples a sparse copy holds (16-bit feature indices).
    static let maxFeatures = Int(UInt16.max) + 1

    /// Nil when the examples are too wide for 16-bit feature indices.
    init?(_ split: Split) {
        guard split.features <= Self.maxFeatures else { return nil }
        count = split.count
        features = split.features
        let nonzeros: Int
        switch split.values {
        case .bytes(let bytes): nonzeros = bytes.withUnsafeBufferPointer { nn_count_nonzeros($0.baseAddress!, $0.count) }
        case .floats(let floats): nonzeros = floats.withUnsafeBufferPointer { nn_count_nonzero_floats($0.baseAddress!, $0.count) }
        }
        rowStart = .allocate(capacity: count + 1)
        columns = .allocate(capacity: max(nonzeros, 1))
        values = .allocate(capacity: max(nonzeros, 1))
        switch split.values {
        case .bytes(let bytes):
            bytes.withUnsafeBufferPointer { source in
                Workspace.pixelTable.withUnsafeBufferPointer { table in
                    nn_sparse_index(source.baseAddress!, count, Int32(features), table.baseAddress!, rowStart, columns, values)
                }
            }
        case .floats(let floats):
            floats.withUnsafeBufferPointer {
                nn_sparse_index_floats($0.baseAddress!, count, Int32(features), rowStart, columns, values)
            }
        }
    }

    deinit {
        rowStart.deallocate()
        columns.deallocate()
        values.deallocate()
    }
}
