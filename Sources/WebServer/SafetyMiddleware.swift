import HTTPTypes
import Hummingbird
import WebPages

/// What every request and response goes through: only GET and HEAD, no request bodies, bounded URI
/// length, no path traversal (`..` in any spelling is a 404, never a file), and headers that keep
/// pages from loading anything from elsewhere or being framed.
struct SafetyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let maxURILength = 8_192

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if Self.isMLflowPath(request.uri.path) || Self.isScoringPath(request.uri.path) {
            // MLflow's API takes POST, PATCH, PUT and DELETE with bodies, and scoring POSTs them;
            // MLflowService and ScoringService guard and bound them.
            if request.uri.string.utf8.count > Self.maxURILength {
                response = Response(status: .uriTooLong)
            } else if Self.isTraversal(request.uri.path) {
                response = WebServer.html(.notFound, ErrorPage.html(status: 404, message: "No such page."))
            } else {
                response = try await next(request, context)
            }
        } else if request.method != .get && request.method != .head {
            response = Response(status: .methodNotAllowed, headers: [.allow: "GET, HEAD"])
        } else if request.uri.string.utf8.count > Self.maxURILength {
            response = Response(status: .uriTooLong)
        } else if let length = request.headers[.contentLength].flatMap(Int.init), length > 0 {
            response = Response(status: .contentTooLarge)
        } else if Self.isTraversal(request.uri.path) {
            response = WebServer.html(.notFound, ErrorPage.html(status: 404, message: "No such page."))
        } else {
            do {
                response = try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound {
                response = WebServer.html(.notFound, ErrorPage.html(status: 404, message: "No such page."))
            }
        }
        for field in Self.securityHeaders where field.name != .cacheControl { response.headers[field.name] = field.value }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// What every answer carries: a policy that lets a page load nothing from elsewhere, no
    /// sniffing, no referrer, and (unless the answer says otherwise) no caching.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    /// The paths of MLflow's protocol.
    static func isMLflowPath(_ path: String) -> Bool {
        path.hasPrefix("/api/2.0/mlflow") || path.hasPrefix("/ajax-api/2.0/mlflow")
    }

    /// The scoring endpoint's POST paths: `/invocations` and `/models/REF/invocations`.
    static func isScoringPath(_ path: String) -> Bool {
        path == "/invocations" || (path.hasPrefix("/models/") && path.hasSuffix("/invocations"))
    }

    /// `..` as a path segment, raw or percent-encoded (any case, double-encoded too), or a backslash.
    static func isTraversal(_ path: String) -> Bool {
        var decoded = path
        for _ in 0..<3 { decoded = QueryString.decode(decoded[...]) }
        return decoded.split(separator: "/", omittingEmptySubsequences: false).contains("..") || decoded.contains("\\")
    }
}
