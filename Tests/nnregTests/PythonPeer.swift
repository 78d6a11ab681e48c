import Foundation
import Testing

/// The reference readers in the project's virtual environment (`make venv`: numpy, safetensors,
/// onnx, onnxruntime) and the scripts in scripts/peers/ that drive them. There is no skipping: a
/// missing environment fails the test with the command that creates it.
enum PythonPeer {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let python = ProcessInfo.processInfo.environment["NNREG_PYTHON"] ?? packageRoot + "/.venv/bin/python3"

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `scripts/peers/SCRIPT ARGUMENTS…` and returns its last stdout line parsed as a JSON object.
    static func run(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "no Python peers at \(python): run 'make venv' (numpy, safetensors, onnx, onnxruntime); these checks never skip")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot + "/scripts/peers/" + script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw Failure(description: "\(script) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self)) \(text)")
        }
        return object
    }
}
