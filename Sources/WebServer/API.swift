import Foundation
import Hummingbird
import RunQuery
import Store

/// `/api/…`: the CLI's `--json` over HTTP, read-only.
///
/// - `GET /api/runs?where=&sort=&dir=&limit=&offset=&experiment=` — `nnreg list --json` (limit ≤ 1000, default 100)
/// - `GET /api/runs/ID` — `nnreg show --json`
/// - `GET /api/runs/ID/metrics?key=loss` — `{"run_id", "key", "points": [[step, value], …]}`; without `key`, every metric
/// - `GET /api/models` — `nnreg model list --json`; `GET /api/models/NAME` — `nnreg model show --json`
struct API {
    let server: WebServer
    static let maxLimit = 1_000

    struct Problem: Encodable { let error: String; let status: Int }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/api/runs") { request, _ in try self.json(request) { store in
            let query = QueryString(request.uri.query)
            let limit = max(1, min(query["limit"].flatMap(Int.init) ?? 100, Self.maxLimit))
            let offset = max(0, query["offset"].flatMap(Int.init) ?? 0)
            let experimentID = query["experiment"].flatMap(Int64.init)
            if let experimentID { _ = try store.experiment(id: experimentID) }  // an unknown one: experimentNotFound
            let runQuery: RunQuery
            do {
                runQuery = try RunQuery(where: query["where"].map { String($0.prefix(2_000)) },
                                        sort: "\(query["sort"] ?? "id") \(query["dir"] ?? "desc")")
            } catch {
                throw HTTPError(.badRequest, message: "where: \(error)")
            }
            let now = Date()
            // Filtered in SQL when the store answers exactly, the page's runs then read by id.
            if let page = try runQuery.page(in: store, offset: offset, limit: limit, experimentID: experimentID) {
                return try page.ids.compactMap { try store.listRuns(ids: $0...$0, experimentID: experimentID).first }.map { RunListing($0, now: now) }
            }
            let matching: [RunSummary]
            do { matching = try runQuery.apply(to: try store.listRuns(experimentID: experimentID), now: now) } catch let error as RunQuery.UnknownField {
                throw HTTPError(.badRequest, message: "\(error)")
            }
            return Array(matching.dropFirst(offset).prefix(limit)).map { RunListing($0, now: now) }
        } }
        router.get("/api/runs/:id") { request, context in try self.json(request) { store in
            let id = try WebServer.id(context)
            var run = try store.run(id: id)
            if run.status == .running, try store.crashedRunIDs().contains(id) { run = run.with(status: .crashed) }
            var metrics: [String: [MetricPoint]] = [:]
            for key in try store.metricKeys(runID: id) { metrics[key] = try store.metricHistory(runID: id, key: key) }
            return RunDetail(
                run: run, params: try store.params(runID: id), tags: try store.tags(runID: id), metrics: metrics,
                checkpoints: try store.checkpoints(runID: id), evaluations: try store.evaluations(runID: id),
                parentName: try run.parentRunID.map { try store.run(id: $0).name }, forks: try store.forks(of: id),
                modelVersions: try store.modelVersions(runID: id))
        } }
        router.get("/api/runs/:id/metrics") { request, context in try self.json(request) { store in
            let id = try WebServer.id(context)
            _ = try store.run(id: id)
            let keys = try QueryString(request.uri.query)["key"].map { [$0] } ?? store.metricKeys(runID: id)
            return try keys.map { key in
                MetricHistory(runID: id, key: key, points: try store.metricHistory(runID: id, key: key).map { [Double($0.step), $0.value] })
            }
        } }
        router.get("/api/models") { request, _ in try self.json(request) { store in
            try store.models().map { model in
                ModelSummary(name: model.name, description: model.description, versions: model.versionCount,
                             latestVersion: model.latestVersion, aliases: model.aliases, tags: model.tags, created: model.createdAt)
            }
        } }
        router.get("/api/models/:name") { request, context in try self.json(request) { store in
            let name = try context.parameters.require("name")
            let model = try store.model(named: name)
            return ModelDetail(name: model.name, description: model.description, aliases: model.aliases, tags: model.tags,
                               created: model.createdAt, versions: try store.modelVersions(name: name).map(ModelVersionJSON.init),
                               history: try store.modelHistory(name: name).map(HistoryJSON.init))
        } }
    }

    struct MetricHistory: Encodable {
        let runID: Int64; let key: String; let points: [[Double]]
        enum CodingKeys: String, CodingKey { case runID = "run_id", key, points }
    }
    struct ModelSummary: Encodable {
        let name: String; let description: String?; let versions: Int; let latestVersion: Int?
        let aliases: [String: Int]; let tags: [String: String]; let created: Date
        enum CodingKeys: String, CodingKey { case name, description, versions, latestVersion = "latest_version", aliases, tags, created }
    }
    struct ModelDetail: Encodable {
        let name: String; let description: String?; let aliases: [String: Int]; let tags: [String: String]
        let created: Date; let versions: [ModelVersionJSON]; let history: [HistoryJSON]
    }
    struct HistoryJSON: Encodable {
        let at: Date; let user: String; let host: String; let action: String; let version: Int?; let alias: String?
        let previousVersion: Int?; let summary: String
        enum CodingKeys: String, CodingKey { case at, user, host, action, version, alias, previousVersion = "previous_version", summary }
        init(_ entry: ModelHistoryEntry) {
            at = entry.at; user = entry.user; host = entry.host; action = entry.action.rawValue; version = entry.version
            alias = entry.alias; previousVersion = entry.previousVersion; summary = entry.summary
        }
    }

    /// Encodes what `body` returns as JSON (the CLI's encoder settings); errors become `{"error", "status"}`.
    func json<T: Encodable>(_ request: Request, _ body: @escaping (Store) throws -> T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let answer = try server.cache.value("api " + request.uri.string) { store in
            let status: HTTPResponse.Status
            let data: Data
            do {
                data = try encoder.encode(try body(store))
                status = .ok
            } catch let error as HTTPError {
                status = error.status
                data = try encoder.encode(Problem(error: error.body ?? error.status.reasonPhrase, status: Int(error.status.code)))
            } catch let error as StoreError {
                status = WebServer.status(of: error)
                data = try encoder.encode(Problem(error: error.description, status: Int(status.code)))
            }
            return .init(status: status, body: String(decoding: data, as: UTF8.self), contentType: "application/json")
        }
        return Response(status: answer.status, headers: [.contentType: answer.contentType], body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
