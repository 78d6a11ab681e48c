import CKernels

/// The nonzero features of every example of a split, found once per run so that each step's batch is
/// copied from lists instead of rescanning every feature of every row (MNIST is about 80% zeros).
/// Three bytes per nonzero of an image (28 MB for the MNIST training set), six of float features.
final class SparseImages {
    let count: Int, features: Int
    let rowStart: UnsafeMutablePointer<Int64>
    let columns: UnsafeMutablePointer<UInt16>
    /// The values: bytes of an image split (feature = byte / 255), or floats.
    let bytes: UnsafeMutablePointer<UInt8>?
    let values: UnsafeMutablePointer<Float>?

    /// The widest examples a sparse copy holds (16-bit feature indices).
    static let maxFeatures = Int(UInt16.max) + 1

    /// Nil when the examples are too wide for 16-bit feature indices.
    init?(_ split: Split) {
        guard split.features <= Self.maxFeatures else { return nil }
        let (count, features) = (split.count, split.features)
        let rowStart = UnsafeMutablePointer<Int64>.allocate(capacity: count + 1)
        (self.count, self.features, self.rowStart) = (count, features, rowStart)
        switch split.values {
        case .bytes(let images):
            let nonzeros = images.withUnsafeBufferPointer { nn_count_nonzeros($0.baseAddress!, $0.count) }
            let columns = UnsafeMutablePointer<UInt16>.allocate(capacity: max(nonzeros, 1))
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(nonzeros, 1))
            images.withUnsafeBufferPointer {
                nn_sparse_index($0.baseAddress!, count, Int32(features), rowStart, columns, bytes)
            }
            (self.columns, self.bytes, values) = (columns, bytes, nil)
        case .floats(let floats):
            let nonzeros = floats.withUnsafeBufferPointer { nn_count_nonzero_floats($0.baseAddress!, $0.count) }
            let columns = UnsafeMutablePointer<UInt16>.allocate(capacity: max(nonzeros, 1))
            let values = UnsafeMutablePointer<Float>.allocate(capacity: max(nonzeros, 1))
            floats.withUnsafeBufferPointer {
                nn_sparse_index_floats($0.baseAddress!, count, Int32(features), rowStart, columns, values)
            }
            (self.columns, self.values, bytes) = (columns, values, nil)
        }
    }

    deinit {
        rowStart.deallocate()
        columns.deallocate()
        bytes?.deallocate()
        values?.deallocate()
    }
}
