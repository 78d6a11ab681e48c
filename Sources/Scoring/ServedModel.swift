import Trainer

/// A checkpoint ready to score: the version a reference named when it was resolved, and its network.
public struct ServedModel: Sendable {
    /// `digits:v2`, or `RUN@STEP` for a run reference: what the response's `nnreg-model-version` says.
    public let label: String
    /// SHA-256 of the weights blob, verified once when the network was loaded.
    public let weightsSHA256: String
    public let network: Network
}
