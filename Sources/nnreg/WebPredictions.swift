import Foundation
import Store
import Synchronization
import Trainer
import WebPages

/// The test-image grid of the web pages: the first `count` test images of `--data`, predicted by a
/// checkpoint's network and drawn as PNGs. The dataset is loaded once, on first use; each
/// checkpoint's cells are computed once (keyed by the weights' SHA-256).
final class WebPredictions: Sendable {
    let directory: String
    let count: Int
    private let state = Mutex<(dataset: Dataset?, failure: String?, cells: [String: [PredictionCell]])>((nil, nil, [:]))

    init(directory: String, count: Int) {
        self.directory = directory
        self.count = count
    }

    var provider: PredictionProvider { { run, checkpoint in try self.cells(run: run, checkpoint: checkpoint) } }

    func cells(run: Run, checkpoint: Checkpoint) throws -> [PredictionCell] {
        guard count > 0 else { return [] }
        let key = checkpoint.info.weightsSHA256
        if let cached = state.withLock({ $0.cells[key] }) { return cached }
        let dataset = try loadDataset()
        let network = try NetworkLoading.network(from: checkpoint, run: run)
        try NetworkLoading.checkShape(network, dataset: dataset)
        let cells = network.predict(dataset.test, indices: Array(0..<min(count, dataset.test.count))).map { prediction in
            PredictionCell(index: prediction.index, label: prediction.label, predicted: prediction.predicted,
                           probability: prediction.probability,
                           png: PredictionRendering.picture(of: prediction.index, in: dataset.test)?.png() ?? [])
        }
        state.withLock { $0.cells[key] = cells }
        return cells
    }

    private func loadDataset() throws -> Dataset {
        if let dataset = state.withLock({ $0.dataset }) { return dataset }
        if let failure = state.withLock({ $0.failure }) { throw CLIError(failure) }
        do {
            let dataset = try DatasetLoading.load(directory)
            state.withLock { $0.dataset = dataset }
            return dataset
        } catch {
            state.withLock { $0.failure = "\(error)" }
            throw error
        }
    }
}
