import Foundation
import HTTPLane
import HTTPTypes
import Hummingbird
import JSONText
import ModelInputs
import NIOCore
import Store
import Trainer

/// Predictions from the registry over HTTP, with the request and response shapes of MLflow's
/// scoring server (`mlflow models serve`):
///
/// - `POST /models/NAME@ALIAS/invocations`, `POST /models/NAME:vN/invocations` (any checkpoint reference)
/// - with a default model (`serve --model REF`): `POST /invocations` and `GET /ping`
///
/// Bodies: MLflow's scoring JSON (`ScoringRequest`), `text/csv` (`CSVRows`), or one `image/png` /
/// `image/jpeg` picture (`ImageRows`). The answer is `{"predictions": [{"class": k, "probabilities":
/// [...]}, ...]}` with the version that answered in `nnreg-model-version` (and its weights'
/// SHA-256 in `nnreg-weights-sha256`). References are resolved per request against the registry,
/// so a moved alias answers from its new version at the next request. Scoring only reads the store.
///
/// The POSTs are answered in each connection's channel pipeline (it is a `PipelineLane`), ahead of
/// the router; the router gets the GETs.
public struct ScoringService: PipelineLane {
    public struct Limits: Sendable {
        /// Largest request body.
        public var maxBodyBytes = 16 << 20
        /// Most rows in one request.
        public var maxRows = 10_000
        /// How long the first request of a batch waits for others.
        public var batchWait: Duration = .milliseconds(1)
        /// Rows after which a batch runs without waiting longer.
        public var maxBatchRows = 1_024

        public init() {}
    }

    /// An answer made without the batch (an error), or rows to score.
    enum Outcome: Sendable {
        case answer(HTTPResponse.Status, ByteBuffer)
        case score(ServedModel, FeatureRows)
    }

    public let defaultModel: String?
    public let limits: Limits
    /// When set, a request must pass it (the write token as `Authorization: Bearer`) or gets a 401.
    let authorize: (@Sendable (HTTPFields) -> Bool)?
    let models: ModelCache
    let batcher: Batcher
    /// A PostgreSQL store's requests are resolved and read off the event loop (its queries wait on
    /// futures, which an event loop must not), as MLflow's calls are.
    let answersOffEventLoop: Bool

    public init(storePath: String, defaultModel: String? = nil, limits: Limits = Limits(),
                authorize: (@Sendable (HTTPFields) -> Bool)? = nil) {
        self.defaultModel = defaultModel
        self.limits = limits
        self.authorize = authorize
        models = ModelCache(storePath: storePath)
        batcher = Batcher(wait: limits.batchWait, maxRows: limits.maxBatchRows)
        answersOffEventLoop = Store.isServerLocation(storePath)
    }

    /// Checks, before listening, that the default model resolves: one line if it does not.
    public func checkDefaultModel() throws {
        guard let defaultModel else { return }
        _ = try models.model(defaultModel)
    }

    /// A scoring POST: guarded, resolved and read (off the event loop for a PostgreSQL store), then
    /// scored in the next batch; the answer names the version that made it.
    public func take(_ head: HTTPRequest) -> LaneRequest? {
        guard head.method == .post, let path = head.path, let reference = Self.reference(path: path, defaultModel: defaultModel) else {
            return nil
        }
        return LaneRequest(maxBodyBytes: limits.maxBodyBytes, answersOffEventLoop: answersOffEventLoop) { body, loop, reply in
            switch self.outcome(reference: reference, headers: head.headerFields, body: body) {
            case .answer(let status, let problem):
                reply(LaneAnswer(status: status, headers: [.contentType: "application/json"], body: problem))
            case .score(let model, let rows):
                self.batcher.submit(model, rows.split, on: loop) { probabilities in
                    reply(LaneAnswer(
                        status: .ok,
                        headers: [.contentType: "application/json", Self.versionHeader: model.label, Self.weightsHeader: model.weightsSHA256],
                        body: PredictionJSON.encode(probabilities, classes: model.network.classes)))
                }
            }
        }
    }

    /// The routes besides the POSTs: `GET /ping`, and 405 for other methods on the scoring paths.
    public func add(to router: Router<BasicRequestContext>) {
        for path in ["/invocations", "/models/:name/invocations"] {
            router.get(RouterPath(path)) { _, _ in
                var response = Self.problem(.methodNotAllowed, "scoring takes POST with the rows in the body")
                response.headers[.allow] = "POST"
                return response
            }
        }
        router.get("/ping") { _, _ in
            guard let defaultModel = self.defaultModel else { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\n"))) }
            do {
                _ = try self.models.model(defaultModel)
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\n")))
            } catch {
                return Self.problem(.serviceUnavailable, "\(defaultModel) cannot be served: \(error)")
            }
        }
    }

    /// The reference a scoring POST's path names: `/invocations` (the default model, `""` when
    /// there is none) or `/models/REF/invocations`; nil for any other path.
    static func reference(path: String, defaultModel: String?) -> String? {
        let path = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        if path == "/invocations" { return defaultModel ?? "" }
        let prefix = "/models/", suffix = "/invocations"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else { return nil }
        let name = path.dropFirst(prefix.count).dropLast(suffix.count)
        guard !name.contains("/") else { return nil }
        return String(name).removingPercentEncoding ?? String(name)
    }

    /// Everything a request needs before the batch: guard, model, rows. `body` is nil when it
    /// was larger than `limits.maxBodyBytes`.
    func outcome(reference: String, headers: HTTPFields, body: ByteBuffer?) -> Outcome {
        if let authorize, !authorize(headers) {
            return .answer(.unauthorized, Self.problemBody(.unauthorized, "this endpoint needs the server's token: send Authorization: Bearer TOKEN"))
        }
        guard !reference.isEmpty else { return .answer(.notFound, Self.problemBody(.notFound, ScoringError.noDefaultModel.description)) }
        guard let body else {
            return .answer(.contentTooLarge, Self.problemBody(.contentTooLarge, "the body is larger than \(limits.maxBodyBytes) bytes, the largest accepted"))
        }
        let model: ServedModel
        do {
            model = try models.model(reference)
        } catch let error as StoreError {
            return .answer(Self.status(of: error), Self.problemBody(Self.status(of: error), error.description))
        } catch let error as ReferenceSyntaxError {
            return .answer(.badRequest, Self.problemBody(.badRequest, error.description))
        } catch {
            return .answer(.internalServerError, Self.problemBody(.internalServerError, "\(error)"))
        }
        let rows: FeatureRows
        do {
            rows = try Self.rows(body, contentType: headers[.contentType], inputs: model.network.inputs, maxRows: limits.maxRows)
        } catch let error as InputError {
            let status: HTTPResponse.Status = error.isTooLarge ? .contentTooLarge : .badRequest
            return .answer(status, Self.problemBody(status, error.description))
        } catch let error as ScoringError {
            return .answer(.unsupportedMediaType, Self.problemBody(.unsupportedMediaType, error.description))
        } catch {
            return .answer(.badRequest, Self.problemBody(.badRequest, "\(error)"))
        }
        guard rows.width == model.network.inputs else {
            let problem = ScoringError.wrongWidth(label: model.label, given: rows.width, expected: model.network.inputs)
            return .answer(.badRequest, Self.problemBody(.badRequest, problem.description))
        }
        return .score(model, rows)
    }

    static let versionHeader = HTTPField.Name("nnreg-model-version")!
    static let weightsHeader = HTTPField.Name("nnreg-weights-sha256")!

    /// The rows of a body by its content type (JSON when none is given).
    static func rows(_ body: ByteBuffer, contentType: String?, inputs: Int, maxRows: Int) throws -> FeatureRows {
        let type = (contentType ?? "application/json").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/json", "":
            return try body.withUnsafeReadableBytes { raw throws(InputError) in
                try ScoringRequest.rows(json: raw.bindMemory(to: UInt8.self), maxRows: maxRows)
            }
        case "text/csv":
            return try body.withUnsafeReadableBytes { raw throws(InputError) in
                try CSVRows.rows(raw.bindMemory(to: UInt8.self), source: "the request body", maxRows: maxRows)
            }
        case "image/png", "image/jpeg", "image/jpg":
            let bytes = Array(body.readableBytesView)
            guard ImageRows.isImage(bytes) else {
                throw InputError("the body is sent as \(type) but is not a PNG or JPEG image; send the image file's bytes")
            }
            return try ImageRows.row(bytes, inputs: inputs, invert: false, name: "image")
        default:
            throw ScoringError.unsupportedContentType(type)
        }
    }

    static func status(of error: StoreError) -> HTTPResponse.Status {
        switch error {
        case .runNotFound, .modelNotFound, .modelVersionNotFound, .aliasNotFound, .checkpointNotFound: return .notFound
        case .busy: return .serviceUnavailable
        case .versionIsNotACheckpoint, .ambiguousReference, .ambiguousRunName: return .badRequest
        default: return .internalServerError
        }
    }

    /// MLflow's scoring error shape: `{"error_code": "BAD_REQUEST", "message": "..."}`.
    static func problemBody(_ status: HTTPResponse.Status, _ message: String) -> ByteBuffer {
        let code = switch status {
        case .notFound: "RESOURCE_DOES_NOT_EXIST"
        case .unauthorized: "UNAUTHENTICATED"
        case .badRequest, .unsupportedMediaType, .contentTooLarge, .methodNotAllowed: "BAD_REQUEST"
        default: "INTERNAL_ERROR"
        }
        var bytes = Array("{\"error_code\":\"\(code)\",\"message\":".utf8)
        JSONText.appendString(message, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: bytes)
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: problemBody(status, message)))
    }
}
