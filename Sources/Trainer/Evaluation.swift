import CKernels
import Foundation

/// Metrics of a network on a split.
public struct Evaluation: Sendable, Equatable, Codable {
    public let count: Int
    public let accuracy: Double
    /// Mean per-example cross-entropy with the seed's clip to [1e-9, 1].
    public let loss: Double
    /// confusion[true][predicted].
    public let confusion: [[Int]]
    /// Per class: correct / predicted as the class (0 when never predicted).
    public let precision: [Double]
    /// Per class: correct / examples of the class (0 when absent).
    public let recall: [Double]

    public init(count: Int, loss: Double, confusion: [[Int]]) {
        self.count = count
        self.loss = loss
        self.confusion = confusion
        let classes = confusion.count
        let correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
        accuracy = count == 0 ? 0 : Double(correct) / Double(count)
        precision = (0..<classes).map { c in
            let predicted = confusion.reduce(0) { $0 + $1[c] }
            return predicted == 0 ? 0 : Double(confusion[c][c]) / Double(predicted)
        }
        recall = (0..<classes).map { c in
            let actual = confusion[c].reduce(0, +)
            return actual == 0 ? 0 : Double(confusion[c][c]) / Double(actual)
        }
    }
}

/// The network's answer for one example.
public struct Prediction: Sendable, Equatable {
    public let index: Int
    public let label: Int
    public let predicted: Int
    /// Probability of the predicted class.
    public let probability: Float
    public let probabilities: [Float]
}

extension Network {
    /// Rows per forward pass in evaluation; fixed so results are the same bits every call.
    public static let evaluationChunk = 1000

    /// Accuracy, clipped cross-entropy and confusion matrix over the whole split (normalized first
    /// when the network carries a normalization). Precondition: `validate(for: split)` passes.
    public func evaluate(_ split: Split) -> Evaluation { evaluate(split, path: .configured) }

    /// `evaluate(_:)` on the given kernel path (the same result on every path).
    func evaluate(_ split: Split, path: KernelPath) -> Evaluation {
        let prepared = prepare(split)
        guard prepared.count > 0 else { return Evaluation(count: 0, loss: 0, confusion: .init(repeating: .init(repeating: 0, count: classes), count: classes)) }
        let parameters = Parameters(self)
        let ws = Workspace(capacity: Swift.min(Self.evaluationChunk, prepared.count), parameters: parameters, withGradients: false, path: path)
        return Self.evaluate(parameters, prepared, sparse: nil, workspace: ws)
    }

    /// The evaluation of `parameters` on `split` (already normalized) in chunks of the workspace's capacity.
    static func evaluate(_ parameters: Parameters, _ split: Split, sparse: SparseImages?, workspace ws: Workspace) -> Evaluation {
        let classes = parameters.classes
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var loss = 0.0
        forEachChunk(parameters, split, indices: nil, sparse: sparse, workspace: ws) { ws, start, rows in
            for r in 0..<rows {
                let row = ws.p + r * classes
                var best = 0
                for c in 1..<classes where row[c] > row[best] { best = c }
                let label = Int(ws.labels[r])
                confusion[label][best] += 1
                loss -= Double(nn_logf(Swift.min(Swift.max(row[label], 1e-9), 1)))
            }
        }
        return Evaluation(count: split.count, loss: split.count == 0 ? 0 : loss / Double(split.count), confusion: confusion)
    }

    /// Predictions for the examples at `indices` (each must be in 0..<split.count).
    public func predict(_ split: Split, indices: [Int]) -> [Prediction] {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < split.count }, "predict: index out of 0..<\(split.count)")
        var out: [Prediction] = []
        guard !indices.isEmpty else { return out }
        out.reserveCapacity(indices.count)
        let prepared = prepare(split)
        let parameters = Parameters(self)
        let ws = Workspace(capacity: Swift.min(Self.evaluationChunk, indices.count), parameters: parameters, withGradients: false)
        Self.forEachChunk(parameters, prepared, indices: indices, sparse: nil, workspace: ws) { ws, start, rows in
            for r in 0..<rows {
                let probabilities = Array(UnsafeBufferPointer(start: ws.p + r * classes, count: classes))
                var best = 0
                for c in 1..<classes where probabilities[c] > probabilities[best] { best = c }
                out.append(Prediction(index: indices[start + r], label: Int(ws.labels[r]), predicted: best,
                                      probability: probabilities[best], probabilities: probabilities))
            }
        }
        return out
    }

    /// The split as the first layer takes it: normalized when the network carries a normalization.
    func prepare(_ split: Split) -> Split {
        normalization.map { $0.apply(to: split) } ?? split
    }



    static func forEachChunk(_ parameters: Parameters, _ split: Split, indices: [Int]?, sparse: SparseImages?, workspace ws: Workspace,
                                     _ body: (Workspace, Int, Int) -> Void) {
        precondition(split.features == parameters.inputs, "evaluate: split has \(split.features) features, network \(parameters.inputs)")
        precondition(split.labels.allSatisfy { Int($0) < parameters.classes }, "evaluate: a label is not below \(parameters.classes)")
        let total = indices?.count ?? split.count
        guard total > 0 else { return }
        var start = 0
        while start < total {
            let rows = Swift.min(ws.capacity, total - start)
            for r in 0..<rows { ws.indices[r] = Int32(indices?[start + r] ?? start + r) }
            ws.gather(split, rows: rows, sparse: sparse)
            _ = parameters.forward(ws, rows: rows, withDelta: false)
            body(ws, start, rows)
            start += rows
        }
    }
}
