import HTTPLane
import HTTPTypes
import NIOCore
import Store

/// MLflow's JSON calls answered in each connection's pipeline, ahead of the router: the calls a
/// training script makes by the thousand (log-metric, log-batch) then cost a fraction of the
/// router's per-request machinery.
extension MLflowService: PipelineLane {
    /// A call whose path (under either prefix) and method name an endpoint. Paths with a percent
    /// escape, a backslash or `..` are left to the router, which decodes and guards them.
    public func take(_ head: HTTPRequest) -> LaneRequest? {
        guard let target = head.path else { return nil }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0]
        guard let prefix = Self.prefixes.first(where: { path.hasPrefix($0) }) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard !rest.contains("%"), !rest.contains("\\"), !rest.contains(".."),
              let (endpoint, parameters) = Self.routes.match(rest, method: head.method) else { return nil }
        let query = parts.count > 1 ? String(parts[1]) : nil
        // A write the guard refuses is answered without its body being gathered (`outcome` guards
        // first): a client without the token cannot make the server hold 32 MB per connection.
        let refused = endpoint.writes && (try? guardWrite(head.headerFields)) == nil
        return LaneRequest(maxBodyBytes: refused ? 0 : Self.maxBodyBytes, answersOffEventLoop: answersOffEventLoop) { body, _, reply in
            let (status, bytes) = self.outcome(endpoint, headers: head.headerFields, query: query, parameters: parameters, body: body)
            reply(LaneAnswer(status: status, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: bytes)))
        }
    }

    /// The endpoint table by path: exact paths at once, the few with `{name}` components by a scan.
    static let routes = EndpointRoutes(endpoints)
}

/// The JSON endpoints found by the path after the prefix and the method.
struct EndpointRoutes: Sendable {
    private var exact: [Substring: [MLflowService.Endpoint]] = [:]
    private var patterns: [(components: [Substring], endpoint: MLflowService.Endpoint)] = []

    init(_ endpoints: [(path: String, endpoint: MLflowService.Endpoint)]) {
        for (path, endpoint) in endpoints {
            if path.contains("{") {
                patterns.append((path.split(separator: "/", omittingEmptySubsequences: false), endpoint))
            } else {
                exact[Substring(path), default: []].append(endpoint)
            }
        }
    }

    /// The endpoint for `path` and `method`, with the values of its `{name}` components.
    func match(_ path: Substring, method: HTTPRequest.Method) -> (MLflowService.Endpoint, [(String, String)])? {
        if let endpoint = exact[path]?.first(where: { $0.methods.contains(method) }) { return (endpoint, []) }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for pattern in patterns where pattern.components.count == components.count && pattern.endpoint.methods.contains(method) {
            var parameters: [(String, String)] = []
            let matches = zip(pattern.components, components).allSatisfy { expected, given in
                if expected.hasPrefix("{"), expected.hasSuffix("}") {
                    parameters.append((String(expected.dropFirst().dropLast()), String(given)))
                    return !given.isEmpty
                }
                return expected == given
            }
            if matches { return (pattern.endpoint, parameters) }
        }
        return nil
    }
}
