import ArgumentParser
import Foundation
import ModelInputs
import Trainer

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict classes: for your own files (--input), or drawn for test images as the seed's last cell does.",
        discussion: """
            --input takes PNG or JPEG images (converted to 8-bit grayscale, resized to the model's square input by area
            averaging, bilinear when enlarging; --invert for dark digits on a light background), CSV rows of numbers (a
            header line allowed; a 'label' column is left out), and .npy / .npz arrays (uint8 as byte/255, float32,
            float64; .npz: x_test, x or its only array). A row is the model's input features as the ONNX export takes
            them: for MNIST models 784 pixels scaled to 0...1.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "RUN, RUN@STEP (default: the run's latest checkpoint), MODEL@ALIAS or MODEL:vN.") var reference: String
    @Option(help: "How many test images, from the first.") var count = 5
    @Option(name: .customLong("index"), parsing: .upToNextOption, help: "Test image indices to predict instead.")
    var indices: [Int] = []
    @Option(name: .customLong("png"), help: ArgumentHelp("Also write each image as PNG into this directory.", valueName: "dir"))
    var pngDirectory: String?
    @Option(name: .customLong("input"), parsing: .upToNextOption,
            help: ArgumentHelp("Predict these files instead: images, CSV, .npy, .npz.", valueName: "file"))
    var inputs: [String] = []
    @Flag(help: "Invert images (255 - pixel) before predicting: for dark digits on a light background.") var invert = false
    @Option(help: "With --input: show the K most probable classes of each row.") var top = 1
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "With --input: print CSV (input, class, then the probability of each class).") var csv = false

    func validate() throws {
        try ReferenceSyntax.validate(reference)
        guard !(json && csv) else { throw ValidationError("--json and --csv cannot be combined; choose one.") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1 (got \(top)).") }
        if inputs.isEmpty {
            if csv { throw ValidationError("--csv needs --input FILE…") }
            if invert { throw ValidationError("--invert needs --input FILE…") }
        } else if !indices.isEmpty || pngDirectory != nil {
            throw ValidationError("--input predicts your files; --index and --png draw test images. Use one or the other.")
        }
        guard count > 0 else { throw ValidationError("--count must be at least 1 (got \(count)).") }
        if let negative = indices.first(where: { $0 < 0 }) { throw ValidationError("--index \(negative) is negative.") }
    }

    struct Entry: Encodable {
        let index: Int
        let label: Int
        let predicted: Int
        let probability: Float
        let probabilities: [Float]
        let png: String?
    }

    func run() throws {
        if !inputs.isEmpty { return try predictInputs() }
        let dataset = try DatasetLoading.load(global.data)
        let chosen = indices.isEmpty ? Array(0..<min(count, dataset.test.count)) : indices
        if let outside = chosen.first(where: { $0 >= dataset.test.count }) {
            throw CLIError("--index \(outside) is outside the test set (0…\(dataset.test.count - 1))")
        }
        let store = try StoreOpening.openForReading(global.db)
        let picked = try store.existingCheckpoint(reference)
        let (run, checkpoint) = (picked.run, picked.checkpoint)
        let network = try NetworkLoading.network(from: checkpoint, run: run)
        try NetworkLoading.checkShape(network, dataset: dataset)
        let predictions = network.predict(dataset.test, indices: chosen)
        var written: [Int: String] = [:]
        if let pngDirectory {
            do {
                try FileManager.default.createDirectory(atPath: pngDirectory, withIntermediateDirectories: true)
                for prediction in predictions {
                    let path = "\(pngDirectory)/test-\(prediction.index)-label\(prediction.label)-pred\(prediction.predicted).png"
                    guard let png = PredictionRendering.picture(of: prediction.index, in: dataset.test)?.png() else { continue }
                    try Data(png).write(to: URL(fileURLWithPath: path), options: .atomic)
                    written[prediction.index] = path
                }
            } catch {
                throw CLIError("cannot write PNG files into '\(pngDirectory)': \(error.localizedDescription)")
            }
        }
        if json {
            return try Terminal.printJSON(predictions.map {
                Entry(index: $0.index, label: $0.label, predicted: $0.predicted, probability: $0.probability,
                      probabilities: $0.probabilities, png: written[$0.index])
            })
        }
        print("\(picked.modelVersion.map { "Model \($0.reference): " } ?? "")Run \(run.id) \(run.name) @ step \(checkpoint.info.step)\n")
        print(PredictionRendering.render(predictions, split: dataset.test))
        if !written.isEmpty { print("\nWrote \(written.count) PNG files to \(pngDirectory!)") }
    }
}
