import Foundation
import HTTPTypes
import Hummingbird
import ModelInputs
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
public struct ScoringService: Sendable {
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

    public let defaultModel: String?
    public let limits: Limits
    /// When set, a request must pass it (the write token as `Authorization: Bearer`) or gets a 401.
    let authorize: (@Sendable (Request) -> Bool)?
    let models: ModelCache
    let batcher: Batcher

    public init(storePath: String, defaultModel: String? = nil, limits: Limits = Limits(),
                authorize: (@Sendable (Request) -> Bool)? = nil) {
        self.defaultModel = defaultModel
        self.limits = limits
        self.authorize = authorize
        models = ModelCache(storePath: storePath)
        batcher = Batcher(wait: limits.batchWait, maxRows: limits.maxBatchRows)
    }

    /// Checks, before listening, that the default model resolves: one line if it does not.
    public func checkDefaultModel() throws {
        guard let defaultModel else { return }
        _ = try models.model(defaultModel)
    }

    public func add(to router: Router<BasicRequestContext>) {
        // `:name`, as the model page's route calls the segment (Hummingbird wants one name per position).
        router.post("/models/:name/invocations") { request, context in
            let reference = try context.parameters.require("name")
            return await self.answer(request, reference: reference.removingPercentEncoding ?? reference)
        }
        router.post("/invocations") { request, _ in
            guard let defaultModel = self.defaultModel else { return Self.problem(.notFound, ScoringError.noDefaultModel.description) }
            return await self.answer(request, reference: defaultModel)
        }
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

    /// Scores one request: guard, body, rows, the model the reference names now, the batch.
    func answer(_ request: Request, reference: String) async -> Response {
        if let authorize, !authorize(request) {
            return Self.problem(.unauthorized, "this endpoint needs the server's token: send Authorization: Bearer TOKEN")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodyBytes {
            return Self.problem(.contentTooLarge, "the body is \(length) bytes; the largest accepted is \(limits.maxBodyBytes)")
        }
        let model: ServedModel
        do {
            model = try models.model(reference)
        } catch let error as StoreError {
            return Self.problem(Self.status(of: error), error.description)
        } catch let error as ReferenceSyntaxError {
            return Self.problem(.badRequest, error.description)
        } catch {
            return Self.problem(.internalServerError, "\(error)")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch {
            return Self.problem(.contentTooLarge, "the body is larger than \(limits.maxBodyBytes) bytes, the largest accepted")
        }
        let rows: FeatureRows
        do {
            rows = try Self.rows(body, contentType: request.headers[.contentType], inputs: model.network.inputs, maxRows: limits.maxRows)
        } catch let error as InputError {
            return Self.problem(error.isTooLarge ? .contentTooLarge : .badRequest, error.description)
        } catch let error as ScoringError {
            return Self.problem(.unsupportedMediaType, error.description)
        } catch {
            return Self.problem(.badRequest, "\(error)")
        }
        guard rows.width == model.network.inputs else {
            return Self.problem(.badRequest, ScoringError.wrongWidth(label: model.label, given: rows.width, expected: model.network.inputs).description)
        }
        let probabilities = await batcher.score(model, rows.split)
        var response = Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: PredictionJSON.encode(probabilities, classes: model.network.classes)))
        response.headers[Self.versionHeader] = model.label
        response.headers[Self.weightsHeader] = model.weightsSHA256
        return response
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
    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let code = switch status {
        case .notFound: "RESOURCE_DOES_NOT_EXIST"
        case .unauthorized: "UNAUTHENTICATED"
        case .badRequest, .unsupportedMediaType, .contentTooLarge, .methodNotAllowed: "BAD_REQUEST"
        default: "INTERNAL_ERROR"
        }
        var buffer = ByteBuffer(string: "{\"error_code\":\"\(code)\",\"message\":")
        PredictionJSON.appendString(message, to: &buffer)
        buffer.writeString("}")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
