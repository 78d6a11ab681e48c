import Foundation
import ModelFormats
import Testing

/// Files nnreg exports, read by the packages that define their formats (Python's safetensors with
/// numpy, onnx.checker and ONNX Runtime), and weights trained by another framework brought in.
@Suite(.serialized) struct InteropTests {
    /// The real MNIST when `make data` has fetched it: the figures then match the README's.
    static let mnist = PythonPeer.packageRoot + "/data/mnist"
    static var hasMNIST: Bool { FileManager.default.fileExists(atPath: mnist + "/t10k-labels-idx1-ubyte") }

    @Test func exportedFilesReproduceNnregsAccuracyInTheReferenceReaders() throws {
        let cli = try CommandLineHarness(trainCount: 1000, testCount: 500)
        #expect(try cli.run(["train", "--steps", "200", "--display-step", "100", "--name", "exported", "--predictions", "0"]).status == 0)
        #expect(try cli.run(["model", "register", "digits", "exported", "--alias", "champion"]).status == 0)
        let eval = try cli.run(["eval", "digits@champion", "--json"]).object
        let accuracy = try #require(eval["accuracy"] as? Double)

        let safetensors = cli.directory + "/digits.safetensors"
        let export = try cli.run(["export", "digits@champion", "-o", safetensors, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let peer = try PythonPeer.run("safetensors_eval.py", [safetensors, cli.data])
        #expect(abs((peer["accuracy"] as? Double ?? -1) - accuracy) <= 1e-4, "safetensors+numpy: \(peer) vs nnreg \(accuracy)")
        #expect(peer["count"] as? Int == 500)
        let metadata = try #require(peer["metadata"] as? [String: String])
        #expect(metadata["model"] == "digits" && metadata["version"] == "1" && metadata["run"] == "exported")
        #expect(metadata["checkpoint_sha256"] == eval["checkpoint_sha256"] as? String)
        #expect(metadata["dataset_sha256"]?.count == 64 && metadata["nnreg_version"] != nil && metadata["step"] == "200")

        let onnx = cli.directory + "/digits.onnx"
        #expect(try cli.run(["export", "digits:v1", "-o", onnx]).status == 0)
        let runtime = try PythonPeer.run("onnx_eval.py", [onnx, cli.data])
        #expect(abs((runtime["accuracy"] as? Double ?? -1) - accuracy) <= 1e-4, "onnxruntime: \(runtime) vs nnreg \(accuracy)")
        #expect((runtime["opset"] as? Int ?? 0) >= 13)
        #expect((runtime["max_prob_sum_error"] as? Double ?? 1) < 1e-5)
    }

    /// Every activation, a deeper network, Adam, and (for tanh and GELU) standardized inputs as Sub
    /// and Div nodes: ONNX Runtime and numpy reproduce `eval`'s accuracy, and the safetensors file
    /// imports back to the same weights.
    @Test(arguments: ["sigmoid", "relu", "tanh", "gelu"])
    func everyActivationExportsToWhatEvalComputes(activation: String) throws {
        let cli = try CommandLineHarness(trainCount: 1000, testCount: 500)
        let normalize = activation == "tanh" || activation == "gelu"
        let train = try cli.run(["train", "--steps", "120", "--display-step", "40", "--name", activation, "--predictions", "0",
                                 "--hidden", "48,24,32", "--activation", activation, "--optimizer", "adam", "--learning-rate", "0.003",
                                 "--init", activation == "relu" || activation == "gelu" ? "he" : "glorot"] + (normalize ? ["--normalize"] : []))
        #expect(train.status == 0, "\(train.stderr)")
        let eval = try cli.run(["eval", activation, "--json"]).object
        let accuracy = try #require(eval["accuracy"] as? Double)
        #expect(accuracy > 0.5, "\(activation) learned: \(accuracy)")

        let onnx = cli.directory + "/\(activation).onnx"
        #expect(try cli.run(["export", activation, "-o", onnx]).status == 0)
        let runtime = try PythonPeer.run("onnx_eval.py", [onnx, cli.data])
        #expect(abs((runtime["accuracy"] as? Double ?? -1) - accuracy) <= 1e-4, "onnxruntime \(activation): \(runtime) vs nnreg \(accuracy)")

        let safetensors = cli.directory + "/\(activation).safetensors"
        #expect(try cli.run(["export", activation, "-o", safetensors]).status == 0)
        let numpy = try PythonPeer.run("safetensors_eval.py", [safetensors, cli.data])
        #expect(abs((numpy["accuracy"] as? Double ?? -1) - accuracy) <= 1e-4, "numpy \(activation): \(numpy) vs nnreg \(accuracy)")
        let imported = try cli.run(["import", safetensors, "--name", "back-\(activation)", "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.object["weights_sha256"] as? String == eval["checkpoint_sha256"] as? String)
    }

    @Test(.enabled(if: InteropTests.hasMNIST, "needs MNIST in data/mnist (make data)"))
    func realMNISTExportMatchesInBothPeers() throws {
        let cli = try CommandLineHarness(trainCount: 10, testCount: 10)
        let environment = ["NNREG_DATA": Self.mnist]
        #expect(try cli.run(["train", "--steps", "300", "--name", "real", "--predictions", "0"], environment: environment).status == 0)
        let accuracy = try #require(try cli.run(["eval", "real", "--json"], environment: environment).object["accuracy"] as? Double)
        for (file, script) in [("real.safetensors", "safetensors_eval.py"), ("real.onnx", "onnx_eval.py")] {
            #expect(try cli.run(["export", "real", "-o", cli.directory + "/" + file]).status == 0)
            let peer = try PythonPeer.run(script, [cli.directory + "/" + file, Self.mnist])
            #expect(peer["count"] as? Int == 10_000)
            #expect(abs((peer["accuracy"] as? Double ?? -1) - accuracy) <= 1e-4, "\(script): \(peer) vs nnreg \(accuracy)")
        }
    }

    @Test func weightsTrainedInNumpyImportAndEvaluateToNumpysAccuracy() throws {
        let cli = try CommandLineHarness(trainCount: 2000, testCount: 500)
        let data = Self.hasMNIST ? Self.mnist : cli.data
        let environment = ["NNREG_DATA": data]
        let file = cli.directory + "/foreign.safetensors"
        let foreign = try PythonPeer.run("train_foreign.py", [data, file, "--steps", "300", "--hidden1", "64", "--hidden2", "32", "--seed", "3"])
        let theirs = try #require(foreign["accuracy"] as? Double)
        #expect(theirs > 0.5, "the numpy network learned: \(foreign)")
        let imported = try cli.run(["import", file, "--name", "foreign", "--register", "numpy-mlp", "--alias", "candidate", "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.object["shape"] as? [Int] == [784, 64, 32, 10])
        let ours = try #require(try cli.run(["eval", "numpy-mlp@candidate", "--json"], environment: environment).object["accuracy"] as? Double)
        #expect(abs(ours - theirs) <= 1e-4, "numpy says \(theirs), nnreg says \(ours)")

        // The same file again stores no new weights; fine-tuning it trains on from those weights.
        let blobs = try sqlite(cli.db, "SELECT count(*) FROM blobs")
        #expect(try cli.run(["import", file, "--name", "again"]).status == 0)
        #expect(try sqlite(cli.db, "SELECT count(*) FROM blobs") == blobs)
        let tuned = try cli.run(["resume", "--fork", "numpy-mlp:v1", "--seed", "5", "--steps", "40", "--name", "tuned", "--json"], environment: environment)
        #expect(tuned.status == 0, "\(tuned.stderr)")
        #expect(tuned.object["status"] as? String == "finished" && tuned.object["steps"] as? Int == 40)
        let show = try cli.run(["show", "tuned", "--json"]).object
        #expect((show["params"] as? [String: Any])?["seed"] as? Int == 5 && (show["params"] as? [String: Any])?["hidden1"] as? Int == 64)
        #expect((show["parent"] as? [String: Any])?["name"] as? String == "foreign")
    }

    @Test func malformedSafetensorsAreRefusedByNameAndLeaveTheStoreAlone() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 50)
        #expect(try cli.run(["train", "--steps", "20", "--display-step", "10", "--name", "r", "--predictions", "0"]).status == 0)
        let good = Safetensors.encode(Self.tensors(hidden1: 4, hidden2: 3), metadata: [:])
        let headerLength = Int(good[0]) | Int(good[1]) << 8
        func with(_ tensors: [Tensor]) -> [UInt8] { Safetensors.encode(tensors, metadata: [:]) }
        var tensors = Self.tensors(hidden1: 4, hidden2: 3)
        tensors[2] = Tensor(name: "weights.h2", shape: [5, 3], values: [Float](repeating: 0.1, count: 15))
        var nan = Self.tensors(hidden1: 4, hidden2: 3)
        nan[1] = Tensor(name: "biases.b1", shape: [4], values: [0, .nan, 0, 0])
        let cases: [(String, [UInt8], String)] = [
            ("short", Array(good.prefix(5)), "8"),
            ("huge header", [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0] + Array(good.dropFirst(8)), "header"),
            ("bad json", Array(good.prefix(8)) + Array("{not json".utf8) + Array(repeating: 32, count: headerLength - 9) + Array(good.dropFirst(8 + headerLength)), "JSON"),
            ("trailing", good + [1, 2, 3, 4], "trailing"),
            ("truncated", Array(good.dropLast(4)), "biases.out"),
            ("chain", with(tensors), "layer"),
            ("nan", with(nan), "NaN"),
            ("missing", with(Array(Self.tensors(hidden1: 4, hidden2: 3).dropLast())), "biases.out"),
            ("dtype", Self.replacingFirst(Array("F32".utf8), with: Array("F64".utf8), in: good), "F64"),
            ("normalization sizes", with(Self.tensors(hidden1: 4, hidden2: 3) + [
                Tensor(name: "normalization.mean", shape: [784], values: [Float](repeating: 0, count: 784)),
                Tensor(name: "normalization.scale", shape: [3], values: [1, 1, 1])]), "normalization"),
            ("half a normalization", with(Self.tensors(hidden1: 4, hidden2: 3) + [
                Tensor(name: "normalization.mean", shape: [784], values: [Float](repeating: 0, count: 784))]), "normalization"),
            ("unknown activation", Safetensors.encode(Self.tensors(hidden1: 4, hidden2: 3), metadata: ["activation": "swish"]), "swish"),
        ]
        let before = try cli.storeFingerprint()
        for (label, bytes, mention) in cases {
            let path = cli.directory + "/\(label.replacingOccurrences(of: " ", with: "-")).safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try cli.run(["import", path])
            #expect(result.status == 1, "\(label): \(result.status)")
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.split(separator: "\n").count == 1, "\(label): \(result.stderr)")
            #expect(result.stderr.contains(mention), "\(label): \(result.stderr)")
        }
        #expect(try cli.run(["import", cli.directory + "/absent.safetensors"]).status == 1)
        #expect(try cli.storeFingerprint() == before)
        let goodPath = cli.directory + "/good.safetensors"
        try Data(good).write(to: URL(fileURLWithPath: goodPath))
        #expect(try cli.run(["import", goodPath]).status == 0)
    }

    /// `bytes` with the first occurrence of `pattern` replaced by `replacement` (of the same length).
    static func replacingFirst(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        if let start = (0...(bytes.count - pattern.count)).first(where: { Array(bytes[$0..<$0 + pattern.count]) == pattern }) {
            result.replaceSubrange(start..<start + pattern.count, with: replacement)
        }
        return result
    }

    /// A 784-h1-h2-10 network's tensors under nnreg's names, small values.
    static func tensors(hidden1: Int, hidden2: Int) -> [Tensor] {
        let shapes = [[784, hidden1], [hidden1], [hidden1, hidden2], [hidden2], [hidden2, 10], [10]]
        let names = ["weights.h1", "biases.b1", "weights.h2", "biases.b2", "weights.out", "biases.out"]
        return zip(names, shapes).map { name, shape in
            let count = shape.reduce(1, *)
            return Tensor(name: name, shape: shape, values: (0..<count).map { Float($0 % 7) * 0.01 })
        }
    }
}
