/// Failures of the scoring endpoint that are neither bad input nor the store's, in one line.
enum ScoringError: Error, CustomStringConvertible {
    case noCheckpoint(run: String)
    case unreadableWeights(label: String, reason: String)
    case noDefaultModel
    case unsupportedContentType(String)
    case wrongWidth(label: String, given: Int, expected: Int)

    var description: String {
        switch self {
        case let .noCheckpoint(run):
            return "run \(run) has no checkpoint yet; serve a model version or a run that has one"
        case let .unreadableWeights(label, reason):
            return "\(label) holds weights nnreg cannot read (\(reason)); serve another version"
        case .noDefaultModel:
            return "this server was started without --model; POST to /models/NAME@ALIAS/invocations or /models/NAME:vN/invocations"
        case let .unsupportedContentType(type):
            return "content type '\(type.prefix(60))' is not scored; send application/json (MLflow's scoring JSON), text/csv, image/png or image/jpeg"
        case let .wrongWidth(label, given, expected):
            return "\(label) takes rows of \(expected) features, the request's rows have \(given)"
        }
    }
}
