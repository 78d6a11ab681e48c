import Testing
@testable import Trainer

/// The scorer behind `predict --input` and the scoring endpoint: a row's probabilities are the
/// bits `predict` gives it, whatever batch it is in, whether it comes as bytes or as floats.
@Suite struct ScorerTests {
    static let dataset = SyntheticDataset.make(trainCount: 600, testCount: 300, seed: 5)

    @Test(arguments: [Activation.sigmoid, .relu, .gelu])
    func rowsScoreTheSameInAnyBatch(activation: Activation) throws {
        var h = smallHyperparameters()
        h.activation = activation
        h.hidden = [40, 24, 16]
        let trainer = try Trainer(hyperparameters: h, dataset: Self.dataset)
        try trainer.train(until: 30, observer: nil)
        let network = trainer.network
        let test = Self.dataset.test
        let reference = network.predict(test, indices: Array(0..<test.count)).map(\.probabilities)
        let classes = network.classes

        // The whole split at once, in small workspaces, one row at a time, and odd batches.
        for capacity in [1000, 7, 1] {
            let scorer = Scorer(network, capacity: capacity)
            let all = scorer.probabilities(test)
            #expect((0..<test.count).map { Array(all[($0 * classes)..<(($0 + 1) * classes)]) } == reference, "capacity \(capacity)")
        }
        let scorer = Scorer(network, capacity: 64)
        var start = 0
        for size in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 69] where start < test.count {
            let indices = Array(start..<min(start + size, test.count))
            let rows = scorer.probabilities(test.subset(indices))
            for (k, index) in indices.enumerated() {
                #expect(Array(rows[(k * classes)..<((k + 1) * classes)]) == reference[index], "row \(index) in a batch of \(size)")
            }
            start += size
        }
        // Bytes given as floats (byte / 255): the same bits.
        let floats = Split(count: test.count, features: test.features, floats: (0..<test.count).flatMap { test.row($0) }, labels: test.labels)
        #expect(scorer.probabilities(floats) == scorer.probabilities(test))
    }
}
