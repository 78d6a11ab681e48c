import HTTPTypes
import Store

/// An error as MLflow's server reports it: `{"error_code": …, "message": …}` with its HTTP status, so
/// that the stock client raises `MlflowException` with the code people test for.
public struct MLflowError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public let status: HTTPResponse.Status

    public var description: String { "\(code): \(message)" }

    init(code: String, message: String, status: HTTPResponse.Status) {
        self.code = code
        self.message = message
        self.status = status
    }

    static func invalid(_ message: String) -> MLflowError { .init(code: "INVALID_PARAMETER_VALUE", message: message, status: .badRequest) }
    static func notFound(_ message: String) -> MLflowError { .init(code: "RESOURCE_DOES_NOT_EXIST", message: message, status: .notFound) }
    static func exists(_ message: String) -> MLflowError { .init(code: "RESOURCE_ALREADY_EXISTS", message: message, status: .badRequest) }
    static func badRequest(_ message: String) -> MLflowError { .init(code: "BAD_REQUEST", message: message, status: .badRequest) }
    static let readOnly = MLflowError(
        code: "PERMISSION_DENIED",
        message: "This nnreg server is read-only: start it with 'nnreg serve --allow-writes' to log through the MLflow API.",
        status: .forbidden)
    static let unauthenticated = MLflowError(
        code: "UNAUTHENTICATED",
        message: "This server needs its token: set MLFLOW_TRACKING_TOKEN to the contents of the server's --token-file.",
        status: .unauthorized)
    static func endpointNotFound(_ path: String) -> MLflowError {
        .init(code: "ENDPOINT_NOT_FOUND", message: "No MLflow endpoint \(path) on this server.", status: .notFound)
    }
    static func tooLarge(_ limit: Int) -> MLflowError {
        .init(code: "INVALID_PARAMETER_VALUE", message: "The request body is larger than \(limit) bytes.", status: .contentTooLarge)
    }

    /// The MLflow error for a Store error: missing things are RESOURCE_DOES_NOT_EXIST, taken names
    /// RESOURCE_ALREADY_EXISTS, bad values INVALID_PARAMETER_VALUE, the rest INTERNAL_ERROR.
    init(_ error: StoreError) {
        switch error {
        case .runNotFound, .experimentNotFound, .modelNotFound, .modelVersionNotFound, .aliasNotFound, .tagNotFound,
             .artifactNotFound, .checkpointNotFound, .referenceNotFound, .loggedModelNotFound:
            self = .notFound(error.description)
        case .duplicateExperimentName, .duplicateRunName, .duplicateModelName:
            self = .exists(error.description)
        case .invalidRunName, .invalidExperimentName, .invalidModelName, .invalidAlias, .experimentIsDeleted,
             .defaultExperimentIsPermanent, .invalidSearch, .ambiguousRunName, .ambiguousReference, .versionHasAliases,
             .versionIsNotACheckpoint:
            self = .invalid(error.description)
        case .busy:
            self = .init(code: "TEMPORARILY_UNAVAILABLE", message: error.description, status: .serviceUnavailable)
        default:
            self = .init(code: "INTERNAL_ERROR", message: error.description, status: .internalServerError)
        }
    }
}
