import ArgumentParser
import Foundation
import Store
import Trainer

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on the test set, store the evaluation and print it.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "RUN, RUN@STEP (default: the run's latest checkpoint), MODEL@ALIAS or MODEL:vN.") var reference: String
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        try ReferenceSyntax.validate(reference)
    }

    struct Report: Encodable {
        let runID: Int64
        let name: String
        let model: String?
        let step: Int
        let checkpointSHA256: String
        let dataset: String
        let datasetSHA256: String
        let count: Int
        let accuracy: Double
        let loss: Double
        let precision: [Double]
        let recall: [Double]
        let confusion: [[Int]]

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", name, model, step, checkpointSHA256 = "checkpoint_sha256", dataset
            case datasetSHA256 = "dataset_sha256", count, accuracy, loss, precision, recall, confusion
        }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let picked = try store.existingCheckpoint(reference)
        let (run, checkpoint) = (picked.run, picked.checkpoint)
        let network = try NetworkLoading.network(from: checkpoint, run: run)
        let dataset = try DatasetLoading.load(global.data)
        try NetworkLoading.checkShape(network, dataset: dataset)
        if let trained = run.datasetSHA256, trained != dataset.identity.sha256, !json {
            Terminal.diagnostic("Note: run \(run.name) was trained on \(run.datasetName ?? "another dataset"); evaluating on \(dataset.identity.name)")
        }
        let evaluation = network.evaluate(dataset.test)
        _ = try store.addEvaluation(NewEvaluation(
            evaluation, runID: run.id, step: checkpoint.info.step, dataset: dataset.identity, split: "test"))
        let report = Report(
            runID: run.id, name: run.name, model: picked.modelVersion?.reference, step: checkpoint.info.step, checkpointSHA256: checkpoint.info.weightsSHA256,
            dataset: dataset.identity.name, datasetSHA256: dataset.identity.sha256, count: evaluation.count,
            accuracy: evaluation.accuracy, loss: evaluation.loss, precision: evaluation.precision,
            recall: evaluation.recall, confusion: evaluation.confusion)
        if json { return try Terminal.printJSON(report) }
        if let version = picked.modelVersion { print("Model \(version.reference)\(version.aliases.map { " @\($0)" }.joined())") }
        print("Run \(run.id) \(run.name) @ step \(report.step) (weights sha256 \(report.checkpointSHA256.prefix(16))…) on \(report.dataset) test, \(report.count) images")
        print(String(format: "accuracy %.4f  loss %.4f", report.accuracy, report.loss))
        var perClass = Table([("CLASS", .right), ("PRECISION", .right), ("RECALL", .right), ("SUPPORT", .right)])
        for label in report.recall.indices {
            perClass.append([String(label), Formatting.accuracy(report.precision[label]), Formatting.accuracy(report.recall[label]),
                             String(report.confusion[label].reduce(0, +))])
        }
        print("\n" + perClass.rendered())
        var confusion = Table([("TRUE\\PRED", .right)] + report.confusion.indices.map { (String($0), .right) })
        for (label, row) in report.confusion.enumerated() { confusion.append([String(label)] + row.map(String.init)) }
        print("\n" + confusion.rendered())
    }
}

/// Turns a stored checkpoint back into a network, with one-line errors.
enum NetworkLoading {
    static func network(from checkpoint: Checkpoint, run: Run) throws -> Network {
        do {
            return try Network(serialized: [UInt8](checkpoint.weights))
        } catch {
            throw CLIError("checkpoint \(run.name)@\(checkpoint.info.step) holds unreadable weights (\(error)); pick another with RUN@STEP")
        }
    }

    static func checkShape(_ network: Network, dataset: Dataset) throws {
        do {
            try network.validate(for: dataset.test)
        } catch {
            throw CLIError("this checkpoint does not fit the dataset in --data: \(error)")
        }
    }
}
