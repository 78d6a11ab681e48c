import Foundation
import Testing
import ModelFormats

/// The repository checkout, found from this file (resolving links, so a scratch package that links
/// the sources in still finds it).
private let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let python = repository.appendingPathComponent(".venv/bin/python3").path

/// The peer readers need the project's virtual environment (`make venv`, which `make test` runs); these
/// tests never skip: without it they fail and say how to create it.

/// A deterministic 784-8-6-10 network and 24 test images on which its predictions have clear margins;
/// the first half of the labels are its predictions and the rest are wrong, so accuracy is 0.5.
private struct Fixture {
    var layers: [DenseLayer] = []
    var images: [UInt8] = []
    var labels: [UInt8] = []
    static let count = 24

    init() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for (inputs, outputs, activation) in [(784, 8, DenseLayer.Activation.sigmoid), (8, 6, .sigmoid), (6, 10, .softmax)] {
            let scale = activation == .softmax ? 8.0 : 0.3
            layers.append(DenseLayer(
                weights: (0..<(inputs * outputs)).map { _ in Float((next() * 2 - 1) * scale) }, inputs: inputs, outputs: outputs,
                bias: (0..<outputs).map { _ in Float(next() - 0.5) }, activation: activation))
        }
        images = (0..<(Self.count * 784)).map { _ in UInt8(next() * 256) }
        for index in 0..<Self.count {
            let pixels = images[(index * 784)..<((index + 1) * 784)].map { Double(Float($0) / 255) }
            let ranked = forward(pixels).enumerated().sorted { $0.element > $1.element }
            precondition(ranked[0].element - ranked[1].element > 1e-3, "image \(index) has no clear prediction")
            labels.append(UInt8(index < Self.count / 2 ? ranked[0].offset : (ranked[0].offset + 1) % 10))
        }
    }

    func forward(_ input: [Double]) -> [Double] {
        var activations = input
        for layer in layers {
            var z = layer.bias.map(Double.init)
            for i in 0..<layer.inputs {
                for j in 0..<layer.outputs { z[j] += activations[i] * Double(layer.weights[i * layer.outputs + j]) }
            }
            switch layer.activation {
            case .sigmoid: activations = z.map { 1 / (1 + exp(-$0)) }
            case .relu: activations = z.map { max($0, 0) }
            case .tanh: activations = z.map { tanh($0) }
            case .gelu: activations = z.map { 0.5 * $0 * (1 + tanh(0.7978845608028654 * ($0 + 0.044715 * $0 * $0 * $0))) }
            case .softmax:
                let e = z.map { exp($0 - z.max()!) }
                activations = e.map { $0 / e.reduce(0, +) }
            }
        }
        return activations
    }

    var tensors: [Tensor] {
        let names = [("weights.h1", "biases.b1"), ("weights.h2", "biases.b2"), ("weights.out", "biases.out")]
        return zip(names, layers).flatMap { names, layer in
            [Tensor(name: names.0, shape: [layer.inputs, layer.outputs], values: layer.weights),
             Tensor(name: names.1, shape: [layer.outputs], values: layer.bias)]
        }
    }

    /// The test split as IDX files (the peers read only t10k).
    func writeIDX(to directory: URL) throws {
        func bigEndian(_ values: [Int]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: UInt32($0).bigEndian) { Array($0) } } }
        try Data([0, 0, 8, 3] + bigEndian([Self.count, 28, 28]) + images)
            .write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte"))
        try Data([0, 0, 8, 1] + bigEndian([Self.count]) + labels).write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
    }
}

/// Runs a peer script and returns its JSON line as a dictionary.
private func runPeer(_ script: String, _ arguments: [String]) throws -> [String: Any] {
    try #require(FileManager.default.isExecutableFile(atPath: python),
                 "no Python peers at \(python): run 'make venv' (numpy, safetensors, onnx, onnxruntime); these checks never skip")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [repository.appendingPathComponent("scripts/peers/" + script).path] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(script): \(stderr)")
    return try #require(try JSONSerialization.jsonObject(with: stdout) as? [String: Any], "\(script) printed \(stdout)")
}

private func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("modelformats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

@Test
func referenceSafetensorsReaderEvaluatesOurFile() throws {
    try withTemporaryDirectory { directory in
        let fixture = Fixture()
        try fixture.writeIDX(to: directory)
        let file = directory.appendingPathComponent("model.safetensors")
        try Data(Safetensors.encode(fixture.tensors, metadata: ["nnreg.run": "brisk-otter-42", "note": "é \"quoted\"\n"])).write(to: file)
        let result = try runPeer("safetensors_eval.py", [file.path, directory.path])
        #expect(result["accuracy"] as? Double == 0.5)
        #expect(result["count"] as? Int == Fixture.count)
        #expect(result["metadata"] as? [String: String] == ["nnreg.run": "brisk-otter-42", "note": "é \"quoted\"\n"])
        let shapes = try #require(result["shapes"] as? [String: [Int]])
        #expect(shapes == ["weights.h1": [784, 8], "biases.b1": [8], "weights.h2": [8, 6], "biases.b2": [6],
                           "weights.out": [6, 10], "biases.out": [10]])
    }
}

@Test
func onnxCheckerAndRuntimeAcceptOurModel() throws {
    try withTemporaryDirectory { directory in
        let fixture = Fixture()
        try fixture.writeIDX(to: directory)
        let file = directory.appendingPathComponent("model.onnx")
        try Data(ONNXExport.model(layers: fixture.layers, producerVersion: "test", metadata: [("nnreg.run", "x")])).write(to: file)
        let result = try runPeer("onnx_eval.py", [file.path, directory.path])
        #expect(result["accuracy"] as? Double == 0.5)
        #expect(result["count"] as? Int == Fixture.count)
        #expect(result["opset"] as? Int == 13)
        #expect(try #require(result["max_prob_sum_error"] as? Double) < 1e-5)
        let inputs = try #require(result["inputs"] as? [[String: Any]])
        let outputs = try #require(result["outputs"] as? [[String: Any]])
        #expect(inputs.count == 1 && inputs[0]["name"] as? String == "pixels" && inputs[0]["type"] as? String == "tensor(float)")
        #expect(outputs.count == 1 && outputs[0]["name"] as? String == "probabilities")
        #expect((inputs[0]["shape"] as? [Any]).map { "\($0)" } == #"["N", 784]"#)
        #expect((outputs[0]["shape"] as? [Any]).map { "\($0)" } == #"["N", 10]"#)
    }
}
