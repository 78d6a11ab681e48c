import Foundation
import HTTPTypes
import Store
import Synchronization

/// One read-only connection to the store, shared by all requests, and the answers computed on it.
///
/// An answer is reused while the store's data version is unchanged (no other process committed)
/// and for at most `maxAge` seconds, so that a run whose process died without writing anything
/// still turns `crashed` on the next refresh. Requests take turns on the connection.
final class PageCache: Sendable {
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let body: String
        let contentType: String
    }

    private struct State {
        var store: Store?
        var version: Int64 = -1
        var answers: [String: (answer: Answer, at: Date)] = [:]
    }

    let path: String
    let maxAge: TimeInterval
    static let capacity = 256
    private let state = Mutex(State())

    init(path: String, maxAge: TimeInterval = 1) {
        self.path = path
        self.maxAge = maxAge
    }

    /// The answer for `key`, computed by `make` on the shared connection unless a fresh one is kept.
    func answer(_ key: String, _ make: (Store) throws -> Answer) throws -> Answer {
        try state.withLock { state in
            let store: Store
            if let open = state.store {
                store = open
            } else {
                store = try Store(readingOnly: path)
                state.store = store
            }
            let version = try store.dataVersion()
            let now = Date()
            if version != state.version {
                state.answers.removeAll(keepingCapacity: true)
                state.version = version
            }
            if let kept = state.answers[key], now.timeIntervalSince(kept.at) < maxAge { return kept.answer }
            let answer = try make(store)
            if state.answers.count >= Self.capacity { state.answers.removeAll(keepingCapacity: true) }
            state.answers[key] = (answer, now)
            return answer
        }
    }
}
