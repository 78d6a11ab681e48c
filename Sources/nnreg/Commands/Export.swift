import ArgumentParser
import Crypto
import Foundation
import ModelFormats
import Store
import Trainer

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's network as safetensors (default) or ONNX, for other programs.",
        discussion: """
            safetensors: tensors weights.h1 [784,h1], biases.b1, weights.h2 [h1,h2], biases.b2, weights.out [h2,10],
            biases.out, float32, with __metadata__ naming model, version, run, step and the SHA-256s.
            ONNX (opset 13): input pixels [N,784] (pixel/255), output probabilities [N,10].
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case safetensors, onnx }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "RUN, RUN@STEP, MODEL@ALIAS or MODEL:vN.") var reference: String
    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "file")) var output: String
    @Option(help: "safetensors or onnx (default: from the file's extension, else safetensors).") var format: Format?
    @Flag(help: "Print JSON.") var json = false

    var chosenFormat: Format { format ?? (output.lowercased().hasSuffix(".onnx") ? .onnx : .safetensors) }

    func validate() throws {
        try ReferenceSyntax.validate(reference)
        guard !output.isEmpty else { throw ValidationError("-o needs a file name.") }
    }

    struct Outcome: Encodable {
        let file: String
        let format: String
        let bytes: Int
        let sha256: String
        let metadata: [String: String]
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let picked = try store.existingCheckpoint(reference)
        let network = try NetworkLoading.network(from: picked.checkpoint, run: picked.run)
        let metadata = Self.metadata(picked, network: network)
        let bytes: [UInt8]
        switch chosenFormat {
        case .safetensors:
            bytes = Safetensors.encode(network.exportedTensors, metadata: metadata)
        case .onnx:
            bytes = ONNXExport.model(
                layers: network.onnxLayers, normalization: network.onnxNormalization, producerVersion: NNReg.version,
                metadata: metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CLIError("cannot write '\(output)': \(error.localizedDescription)")
        }
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        if json {
            return try Terminal.printJSON(Outcome(file: output, format: chosenFormat.rawValue, bytes: bytes.count, sha256: sha256, metadata: metadata))
        }
        print("Wrote \(picked.label) to \(output) (\(chosenFormat.rawValue), \(Formatting.bytes(bytes.count)), sha256 \(sha256.prefix(16))…)")
    }

    /// What travels with the file: where the weights came from, exactly.
    static func metadata(_ picked: PickedCheckpoint, network: Network) -> [String: String] {
        let activations = network.hidden.map { _ in network.activation.rawValue } + ["softmax"]
        var metadata: [String: String] = [
            "format": "nnreg-mlp", "activations": activations.joined(separator: ","),
            "activation": network.activation.rawValue, "shape": network.shape,
            "input": network.normalization == nil ? "features as given (MNIST: pixels/255, row-major 28x28)"
                : "features as given, standardized inside the model (normalization.mean, normalization.scale)",
            "run_id": String(picked.run.id), "run": picked.run.name, "step": String(picked.checkpoint.info.step),
            "checkpoint_sha256": picked.checkpoint.info.weightsSHA256, "nnreg_version": NNReg.version,
        ]
        if let name = picked.run.datasetName { metadata["dataset"] = name }
        if let sha = picked.run.datasetSHA256 { metadata["dataset_sha256"] = sha }
        if let version = picked.modelVersion {
            metadata["model"] = version.modelName
            metadata["version"] = String(version.version)
        }
        return metadata
    }
}
