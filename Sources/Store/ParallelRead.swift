import Dispatch

/// A read of a store file on a read-only connection of its own, on another thread, while the caller
/// reads on its own connection: two cores read at once. Each read is one consistent snapshot of its
/// own, so a caller that merges two must allow for writes committed in between.
final class ParallelRead<Value>: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: Result<Value, Error>?

    /// Starts `read` on a new read-only connection to the store file at `path`.
    init(path: String, _ read: @escaping @Sendable (Store) throws -> Value) {
        DispatchQueue.global().async(group: group) {
            self.result = Result { try read(try Store(readingOnly: path)) }
        }
    }

    /// Waits for the read; throws its error.
    func wait() throws -> Value {
        group.wait()
        return try result!.get()
    }
}
