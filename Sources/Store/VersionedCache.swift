import Foundation
import Synchronization

/// Values computed from a store on a read-only connection of their own (opened on first use), kept
/// while no other connection has committed (`Store.dataVersion()`), for at most `maxAge` seconds,
/// and at most `capacity` of them. Callers take turns on the connection. A server's pages and its
/// scoring endpoint each have one, so that neither waits for the other.
public final class VersionedCache<Value: Sendable>: Sendable {
    private struct State {
        var store: Store?
        var version: Int64 = -1
        var values: [String: (value: Value, at: Date)] = [:]
    }

    public let path: String
    public let maxAge: TimeInterval
    public let capacity: Int
    private let state = Mutex(State())

    public init(path: String, maxAge: TimeInterval = .infinity, capacity: Int = 256) {
        self.path = path
        self.maxAge = maxAge
        self.capacity = capacity
    }

    /// The value for `key`, computed by `make` on the cache's connection unless a fresh one is kept.
    public func value(_ key: String, _ make: (Store) throws -> Value) throws -> Value {
        try state.withLock { state in
            let store: Store
            if let open = state.store {
                store = open
            } else {
                store = try Store(readingOnly: path)
                state.store = store
            }
            let version = try store.dataVersion()
            if version != state.version {
                state.values.removeAll(keepingCapacity: true)
                state.version = version
            }
            let now = maxAge.isFinite ? Date() : .distantPast
            if let kept = state.values[key], now.timeIntervalSince(kept.at) < maxAge { return kept.value }
            let value = try make(store)
            if state.values.count >= capacity { state.values.removeAll(keepingCapacity: true) }
            state.values[key] = (value, now)
            return value
        }
    }
}
