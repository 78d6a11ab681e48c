import HTTPTypes
import Store

/// The pages' answers, on one read-only connection shared by all requests: an answer is reused
/// while the store's data version is unchanged (no other process committed) and for at most a
/// second, so that a run whose process died without writing anything still turns `crashed` on the
/// next refresh.
typealias PageCache = VersionedCache<PageAnswer>

extension PageCache {
    convenience init(path: String) {
        self.init(path: path, maxAge: 1)
    }
}

/// A rendered page or API answer.
struct PageAnswer: Sendable {
    let status: HTTPResponse.Status
    let body: String
    let contentType: String
}
