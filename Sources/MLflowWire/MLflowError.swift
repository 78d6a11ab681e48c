import HTTPTypes

/// An error as MLflow's server reports it: `{"error_code": …, "message": …}` with its HTTP status, so
/// that the stock client raises `MlflowException` with the code people test for.
package struct MLflowError: Error, Sendable, CustomStringConvertible {
    package let code: String
    package let message: String
    package let status: HTTPResponse.Status

    package var description: String { "\(code): \(message)" }

    package init(code: String, message: String, status: HTTPResponse.Status) {
        self.code = code
        self.message = message
        self.status = status
    }

    package static func invalid(_ message: String) -> MLflowError { .init(code: "INVALID_PARAMETER_VALUE", message: message, status: .badRequest) }
    package static func notFound(_ message: String) -> MLflowError { .init(code: "RESOURCE_DOES_NOT_EXIST", message: message, status: .notFound) }
    package static func exists(_ message: String) -> MLflowError { .init(code: "RESOURCE_ALREADY_EXISTS", message: message, status: .badRequest) }
    package static func badRequest(_ message: String) -> MLflowError { .init(code: "BAD_REQUEST", message: message, status: .badRequest) }
    package static let readOnly = MLflowError(
        code: "PERMISSION_DENIED",
        message: "This nnreg server is read-only: start it with 'nnreg serve --allow-writes' to log through the MLflow API.",
        status: .forbidden)
    package static let unauthenticated = MLflowError(
        code: "UNAUTHENTICATED",
        message: "This server needs its token: set MLFLOW_TRACKING_TOKEN to the contents of the server's --token-file.",
        status: .unauthorized)
    package static func endpointNotFound(_ path: String) -> MLflowError {
        .init(code: "ENDPOINT_NOT_FOUND", message: "No MLflow endpoint \(path) on this server.", status: .notFound)
    }
    package static func tooLarge(_ limit: Int) -> MLflowError {
        .init(code: "INVALID_PARAMETER_VALUE", message: "The request body is larger than \(limit) bytes.", status: .contentTooLarge)
    }
}
