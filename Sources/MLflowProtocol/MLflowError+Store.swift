import MLflowWire
import Store

extension MLflowError {
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
