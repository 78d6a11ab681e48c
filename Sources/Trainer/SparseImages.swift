import CKernels

/// The nonzero pixels of every image of a split, found once per run so that each step's batch is
/// copied from lists instead of rescanning 784 bytes per row (MNIST is about 80% zeros).
/// About 3 bytes per nonzero: 28 MB for the MNIST training set.
final class SparseImages {
    let count: Int, features: Int
    let rowStart: UnsafeMutablePointer<Int64>
    let columns: UnsafeMutablePointer<UInt16>
    let bytes: UnsafeMutablePointer<UInt8>

    /// Nil when the images are too wide for 16-bit pixel indices.
    init?(_ split: Split) {
        guard split.features <= Int(UInt16.max) + 1 else { return nil }
        count = split.count
        features = split.features
        let nonzeros = split.images.withUnsafeBufferPointer { nn_count_nonzeros($0.baseAddress!, $0.count) }
        rowStart = .allocate(capacity: count + 1)
        columns = .allocate(capacity: max(nonzeros, 1))
        bytes = .allocate(capacity: max(nonzeros, 1))
        split.images.withUnsafeBufferPointer {
            nn_sparse_index($0.baseAddress!, count, Int32(features), rowStart, columns, bytes)
        }
    }

    deinit {
        rowStart.deallocate()
        columns.deallocate()
        bytes.deallocate()
    }
}
