import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MLflowWire
import Store
import Synchronization

/// MLflow's tracking protocol over the Store: the REST API the stock `mlflow` client calls, under
/// `/api/2.0/mlflow/` and `/ajax-api/2.0/mlflow/`, and the artifact proxy under
/// `/api/2.0/mlflow-artifacts/`. WebServer mounts it with `add(to:)`.
///
/// Reads always answer. Writes answer only when the server was started with writes allowed
/// (otherwise 403 saying how), and, when a token is set, only to requests that carry it as
/// `Authorization: Bearer TOKEN` (MLflow's client sends `MLFLOW_TRACKING_TOKEN` so), compared in
/// constant time (otherwise 401). Each call is one transaction on one connection the service
/// keeps; calls take turns on it.
public struct MLflowService: Sendable {
    public let storePath: String
    public let allowsWrites: Bool
    let token: [UInt8]?
    let gate: StoreGate
    /// A PostgreSQL store's calls are answered off the event loop (its queries wait on futures).
    let answersOffEventLoop: Bool
    /// Bodies of JSON calls above this are refused (413) before they are parsed.
    public static let maxBodyBytes = 32 * 1_024 * 1_024

    public init(storePath: String, allowsWrites: Bool, token: String?) {
        self.storePath = storePath
        self.allowsWrites = allowsWrites
        self.token = token.map { Array($0.utf8) }
        gate = StoreGate(path: storePath, writable: allowsWrites)
        answersOffEventLoop = Store.isServerLocation(storePath)
    }

    /// Opens the store now (migrating it when writes are allowed), so a bad store is one line at start-up.
    public func checkStore() throws { try gate.withStore { _ in } }

    /// One endpoint: whether it writes, and what it does.
    struct Endpoint {
        let methods: [HTTPRequest.Method]
        let writes: Bool
        let handle: @Sendable (MLflowRequest, Store) throws -> JSONWriter
    }

    /// The JSON endpoints with their path after the prefix (`{name}` a path parameter, which the
    /// handler reads as a field). One path may have several, for different methods.
    static let endpoints: [(path: String, endpoint: Endpoint)] = {
        var table: [(String, Endpoint)] = []
        func add(_ path: String, _ methods: [HTTPRequest.Method], writes: Bool, _ handle: @escaping @Sendable (MLflowRequest, Store) throws -> JSONWriter) {
            table.append((path, Endpoint(methods: methods, writes: writes, handle: handle)))
        }
        addExperimentEndpoints(add)
        addRunEndpoints(add)
        addSearchEndpoints(add)
        addRegistryEndpoints(add)
        addLoggedModelEndpoints(add)
        return table
    }()

    /// Where the JSON calls live: MLflow serves the same API under both.
    static let prefixes = ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"]

    /// The JSON calls are answered in each connection's pipeline (`take`); the router keeps them too,
    /// for the requests the pipeline leaves to it (a percent-escaped path), and has the artifact
    /// proxy and `/health`.
    public func add(to router: Router<BasicRequestContext>) {
        for prefix in Self.prefixes {
            for (path, endpoint) in Self.endpoints {
                for method in endpoint.methods {
                    router.on(RouterPath(prefix + path), method: method) { request, context in
                        try await self.answer(request, context: context, endpoint: endpoint)
                    }
                }
            }
        }
        addArtifactRoutes(to: router)
        // MLflow's liveness probe, which its deployments (and load balancers) poll.
        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "OK")))
        }
    }

    /// A JSON call through the router: its body gathered (nil past `maxBodyBytes`), then `outcome`.
    func answer(_ request: Request, context: BasicRequestContext, endpoint: Endpoint) async throws -> Response {
        var body: ByteBuffer?
        if request.headers[.contentLength].flatMap(Int.init).map({ $0 <= Self.maxBodyBytes }) ?? true {
            body = try? await request.body.collect(upTo: Self.maxBodyBytes)
        }
        let parameters = context.parameters.map { (String($0.key), String($0.value).removingPercentEncoding ?? String($0.value)) }
        let (status, bytes) = outcome(endpoint, headers: request.headers, query: request.uri.query, parameters: parameters, body: body)
        return Self.json(status, bytes)
    }

    /// Runs one JSON call whose body has arrived (nil: larger than `maxBodyBytes`): guards, body,
    /// handler, and MLflow's error shape for every failure.
    func outcome(_ endpoint: Endpoint, headers: HTTPFields, query: String?, parameters: [(String, String)], body: ByteBuffer?)
        -> (HTTPResponse.Status, [UInt8])
    {
        do {
            if endpoint.writes { try guardWrite(headers) }
            guard let body else { throw MLflowError.tooLarge(Self.maxBodyBytes) }
            let call = try MLflowRequest(body: Array(body.readableBytesView), query: Self.queryItems(query) + parameters)
            let output = try gate.withStore { store in try endpoint.handle(call, store) }
            return (.ok, output.bytes)
        } catch {
            return Self.errorAnswer(error)
        }
    }

    /// 403 unless writes are allowed; 401 unless the request carries the token (when there is one).
    func guardWrite(_ headers: HTTPFields) throws {
        guard allowsWrites else { throw MLflowError.readOnly }
        guard carriesToken(headers) else { throw MLflowError.unauthenticated }
    }

    /// Whether a request with `headers` carries the token as `Authorization: Bearer TOKEN` (true
    /// when there is no token).
    public func carriesToken(_ headers: HTTPFields) -> Bool {
        guard let token else { return true }
        let given = headers[.authorization].map { Array($0.utf8) } ?? []
        let prefix = Array("Bearer ".utf8)
        return given.count > prefix.count && Array(given[..<prefix.count]) == prefix
            && Self.constantTimeEqual(Array(given[prefix.count...]), token)
    }

    /// Equal byte strings, in time that depends only on their lengths (HMAC digests compared).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let key = SymmetricKey(size: .bits256)
        let left = HMAC<SHA256>.authenticationCode(for: a, using: key)
        let right = HMAC<SHA256>.authenticationCode(for: b, using: key)
        return left == right  // MessageAuthenticationCode's == is constant-time
    }

    static func queryItems(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                (String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text))
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The items of one page after `page_token`, at most `max_results`, and the next page's token.
    static func page<T>(_ items: [T], _ call: MLflowRequest, defaultLimit: Int, maxLimit: Int) throws -> (ArraySlice<T>, String?) {
        let offset = try call.optionalString("page_token").map(Self.offset) ?? 0
        let limit = Int(try call.optionalInt64("max_results") ?? Int64(defaultLimit))
        guard (1...maxLimit).contains(limit) else {
            throw MLflowError.invalid("Invalid value \(limit) for parameter 'max_results': it must be between 1 and \(maxLimit).")
        }
        let page = items.dropFirst(offset).prefix(limit)
        return (page, offset + page.count < items.count ? token(offset: offset + page.count) : nil)
    }

    /// `{"NAME": [items…], "next_page_token": …}`, as every search answers.
    static func pageAnswer<T>(_ name: String, _ page: ArraySlice<T>, next: String?, _ write: (inout JSONWriter, T) throws -> Void) rethrows -> JSONWriter {
        var writer = JSONWriter()
        writer.openObject()
        writer.key(name)
        writer.openArray()
        for item in page { try write(&writer, item) }
        writer.closeArray()
        if let next { writer.field("next_page_token", next) }
        writer.closeObject()
        return writer
    }

    /// `{"NAME": …}` around one thing, as get, create and update calls answer.
    static func answer(_ name: String, _ write: (inout JSONWriter) throws -> Void) rethrows -> JSONWriter {
        var writer = JSONWriter()
        writer.openObject()
        writer.key(name)
        try write(&writer)
        writer.closeObject()
        return writer
    }

    static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func errorResponse(_ error: any Error) -> Response {
        let (status, bytes) = errorAnswer(error)
        return json(status, bytes)
    }

    /// MLflow's `{"error_code": …, "message": …}` for any error, with its status.
    static func errorAnswer(_ error: any Error) -> (HTTPResponse.Status, [UInt8]) {
        let failure: MLflowError
        switch error {
        case let known as MLflowError: failure = known
        case let store as StoreError: failure = MLflowError(store)
        default: failure = MLflowError(code: "INTERNAL_ERROR", message: "\(error)", status: .internalServerError)
        }
        var writer = JSONWriter()
        writer.openObject()
        writer.field("error_code", failure.code)
        writer.field("message", failure.message)
        writer.closeObject()
        return (failure.status, writer.bytes)
    }
}

/// The service's one connection to the store, opened on first use; calls take turns on it.
final class StoreGate: Sendable {
    private struct State {
        var store: Store?
    }

    let path: String
    let writable: Bool
    private let state = Mutex(State())

    init(path: String, writable: Bool) {
        self.path = path
        self.writable = writable
    }

    func withStore<T: Sendable>(_ body: (Store) throws -> T) throws -> T {
        try state.withLock { state in
            let store: Store
            if let open = state.store {
                store = open
            } else {
                store = writable ? try Store(path: path) : try Store(readingOnly: path)
                try store.limitPageCache(megabytes: 8)
                state.store = store
            }
            return try body(store)
        }
    }
}
