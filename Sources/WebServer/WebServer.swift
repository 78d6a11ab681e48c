import Foundation
import HTTPLane
import HTTPTypes
import Hummingbird
import Logging
import MLflowProtocol
import NIOCore
import NIOPosix
import UnixSignals
import RunQuery
import Scoring
import Store
import WebPages

/// `nnreg serve`: the store's runs, run pages, comparisons and models as a read-only website, a
/// JSON API under `/api/` mirroring the CLI's `--json`, and MLflow's tracking protocol
/// (`MLflowService`, under `/api/2.0/mlflow/`), and predictions from the registry (`ScoringService`,
/// `/models/REF/invocations` and, with a default model, `/invocations`).
///
/// The pages open the store read-only (`Store(readingOnly:)`): they never write or migrate, so they
/// serve while trainers write, and a newer store is refused as the CLI refuses it. Only the MLflow
/// API writes, and only when started with writes allowed.
public struct WebServer: Sendable {
    public let storePath: String
    public let predictions: PredictionProvider?
    public let mlflow: MLflowService
    public let scoring: ScoringService
    let cache: PageCache

    /// `scoringModel` answers the bare `/invocations`; `scoringNeedsToken` makes scoring requests
    /// carry `token` as writes do.
    public init(storePath: String, predictions: PredictionProvider? = nil, allowsWrites: Bool = false, token: String? = nil,
                scoringModel: String? = nil, scoringLimits: ScoringService.Limits = .init(), scoringNeedsToken: Bool = false) {
        self.storePath = storePath
        self.predictions = predictions
        let mlflow = MLflowService(storePath: storePath, allowsWrites: allowsWrites, token: token)
        self.mlflow = mlflow
        var authorize: (@Sendable (HTTPFields) -> Bool)?
        if scoringNeedsToken { authorize = { headers in mlflow.carriesToken(headers) } }
        scoring = ScoringService(storePath: storePath, defaultModel: scoringModel, limits: scoringLimits, authorize: authorize)
        cache = PageCache(path: storePath)
    }

    /// Checks once, before listening, that the store opens (so a bad `--db` is one line at start-up);
    /// with writes allowed this opens it for writing, which upgrades an older store.
    public func checkStore() throws {
        if mlflow.allowsWrites { try mlflow.checkStore() }
        _ = try Store(readingOnly: storePath)
        try scoring.checkDefaultModel()
    }

    /// The routes, for `run` and for tests.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)  // HEAD answers as GET would, without the body
        router.add(middleware: SafetyMiddleware())
        router.get("/") { request, _ in try self.page(request) { store in
            let query = QueryString(request.uri.query)
            let runs = try RunsPage.load(store, RunsPage.Request(
                filter: query["where"] ?? "", sortField: query["sort"].flatMap { $0.isEmpty ? nil : $0 } ?? "id",
                isDescending: query["dir"] != "asc", page: query["page"].flatMap(Int.init) ?? 1,
                perPage: query["per"].flatMap(Int.init) ?? 50, experimentID: query["experiment"].flatMap(Int64.init)))
            return (runs.errorMessage == nil ? .ok : .badRequest, runs.html())
        } }
        router.get("/runs/:id") { request, context in try self.page(request) { store in
            (.ok, try RunPage.load(store, id: try Self.id(context), predictions: self.predictions).html())
        } }
        router.get("/compare") { request, _ in try self.page(request) { store in
            let ids = QueryString(request.uri.query).all("run").compactMap { Int64($0) }
            guard !ids.isEmpty, ids.count <= ComparePage.maxRuns else {
                throw HTTPError(.badRequest, message: "Choose between 1 and \(ComparePage.maxRuns) runs to compare (run=ID&run=ID…).")
            }
            return (.ok, try ComparePage.load(store, ids: ids).html())
        } }
        router.get("/models") { request, _ in try self.page(request) { store in (.ok, try ModelsPage.load(store).html()) } }
        router.get("/models/:name") { request, context in try self.page(request) { store in
            (.ok, try ModelPage.load(store, name: try context.parameters.require("name")).html())
        } }
        router.get("/sweeps") { request, _ in try self.page(request) { store in (.ok, try SweepsPage.load(store).html()) } }
        router.get("/sweeps/:name") { request, context in try self.page(request) { store in
            let isLog = QueryString(request.uri.query)["scale"] == "log"
            let name = try context.parameters.require("name")
            return (.ok, try SweepPage.load(store, name: name.removingPercentEncoding ?? name, isLogScale: isLog).html())
        } }
        router.get("/static/nnreg.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: Script.source)))
        }
        API(server: self).add(to: router)
        mlflow.add(to: router)
        scoring.add(to: router)
        return router
    }

    /// Makes the server's event loops Swift concurrency's executor too, so that a request is read,
    /// answered and written on one thread instead of hopping to the cooperative pool and back.
    /// Only for a SQLite store: the PostgreSQL store waits on futures, which an event loop must not.
    /// Call once, from the main thread, before any task starts; returns false when that was too late.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Serves on `host:port` until SIGINT or SIGTERM; `onListening` gets the address actually bound
    /// (port 0 picks a free one).
    public func run(host: String, port: Int, onListening: @escaping @Sendable (String) -> Void) async throws {
        let lanes: [any PipelineLane] = [scoring, mlflow]
        let app = Application(
            router: makeRouter(),
            // Scoring POSTs and MLflow's JSON calls are answered in each connection's pipeline, ahead of the router.
            server: .http1(configuration: .init(additionalChannelHandlers: [
                LaneChannelHandler(lanes: lanes, headers: SafetyMiddleware.securityHeaders)
            ])),
            configuration: .init(address: .hostname(host, port: port), serverName: "nnreg"),
            onServerRunning: { channel in
                let address = channel.localAddress
                onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(address?.port ?? port)")
            },
            logger: Logger(label: "nnreg.serve", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    static func id(_ context: BasicRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }

    /// Renders a page on the shared read-only connection (or reuses it, `PageCache`); store errors
    /// become 404 (not found) or 500 pages.
    func page(_ request: Request, _ render: @escaping (Store) throws -> (HTTPResponse.Status, String)) throws -> Response {
        let answer = try cache.value(request.uri.string) { store in
            do {
                let (status, html) = try render(store)
                return .init(status: status, body: html, contentType: "text/html; charset=utf-8")
            } catch let error as HTTPError {
                return .init(status: error.status, body: ErrorPage.html(status: Int(error.status.code), message: error.body ?? error.status.reasonPhrase),
                             contentType: "text/html; charset=utf-8")
            } catch let error as StoreError {
                let status = Self.status(of: error)
                return .init(status: status, body: ErrorPage.html(status: Int(status.code), message: error.description),
                             contentType: "text/html; charset=utf-8")
            }
        }
        return Response(status: answer.status, headers: [.contentType: answer.contentType], body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    static func status(of error: StoreError) -> HTTPResponse.Status {
        switch error {
        case .runNotFound, .modelNotFound, .modelVersionNotFound, .aliasNotFound, .checkpointNotFound, .experimentNotFound, .sweepNotFound: return .notFound
        case .busy: return .serviceUnavailable
        default: return .internalServerError
        }
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
