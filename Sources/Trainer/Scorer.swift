/// Class probabilities for feature rows that come from outside the dataset (files, HTTP requests),
/// computed by the forward pass `evaluate` and `predict` use: the same bits for a row as they give
/// it, whatever rows share its batch. Holds the network's weights and a workspace for `capacity`
/// rows, made once; larger inputs run in chunks. Not thread-safe: one scorer per thread.
public final class Scorer {
    public let network: Network
    let parameters: Parameters
    let workspace: Workspace

    public init(_ network: Network, capacity: Int = Network.evaluationChunk) {
        precondition(capacity > 0, "scorer: capacity \(capacity)")
        self.network = network
        parameters = Parameters(network)
        workspace = Workspace(capacity: capacity, parameters: parameters, withGradients: false)
    }

    /// The largest number of rows one forward pass takes.
    public var capacity: Int { workspace.capacity }

    /// Row-major probabilities (`split.count` × `network.classes`) of every example of `split`
    /// (its labels are ignored). Precondition: `split.features == network.inputs`.
    public func probabilities(_ split: Split) -> [Float] {
        precondition(split.features == network.inputs, "scorer: \(split.features) features for a network of \(network.inputs) inputs")
        let classes = network.classes
        guard split.count > 0 else { return [] }
        let zeros = [UInt8](repeating: 0, count: split.count)
        let unlabeled = switch split.values {
        case .bytes(let bytes): Split(count: split.count, features: split.features, images: bytes, labels: zeros)
        case .floats(let floats): Split(count: split.count, features: split.features, floats: floats, labels: zeros)
        }
        let prepared = network.prepare(unlabeled)
        return [Float](unsafeUninitializedCapacity: split.count * classes) { buffer, initialized in
            Network.forEachChunk(parameters, prepared, indices: nil, sparse: nil, workspace: workspace) { ws, start, rows in
                (buffer.baseAddress! + start * classes).update(from: ws.p, count: rows * classes)
            }
            initialized = split.count * classes
        }
    }
}
