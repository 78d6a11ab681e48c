import Foundation
import TestSupport
import Testing
import Trainer

/// Runs the built `nnreg` binary in a temp folder with a small generated dataset.
final class CommandLineHarness {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
    }

    /// The folder holding the test bundle and the products built with it (`nnreg` among them).
    static let productsDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .path.replacingOccurrences(of: "/nnregPackageTests.xctest/Contents/MacOS", with: "")

    let directory: String
    let data: String
    let db: String
    var binary: String

    let backend: StoreBackend

    /// `backend` picks where `db` is: a file in the harness's folder, or a database of its own on the
    /// test server (dropped with the harness).
    init(trainCount: Int = 1000, testCount: Int = 200, backend: StoreBackend = .sqlite) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-e2e-\(UUID().uuidString)").path
        data = directory + "/data"
        self.backend = backend
        db = backend == .sqlite ? directory + "/runs.sqlite" : try PostgresTestServer.createDatabase()
        binary = Self.productsDirectory + "/nnreg"
        if !FileManager.default.isExecutableFile(atPath: binary) {
            binary = Self.productsDirectory.replacingOccurrences(of: ".xctest", with: "") + "/nnreg"
        }
        try SyntheticDataset.write(to: data, trainCount: trainCount, testCount: testCount, seed: 7)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
        if backend == .postgresql { PostgresTestServer.dropDatabase(db) }
    }

    /// Runs nnreg with `--db`/`--data` of this harness given through the environment.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = try start(arguments, environment: environment)
        process.waitUntilExit()
        return finish(process)
    }

    private var outputs: [ObjectIdentifier: (String, String)] = [:]

    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["NNREG_DB": db, "NNREG_DATA": data].merging(environment) { $1 }) { $1 }
        let id = UUID().uuidString
        let out = directory + "/\(id).out", err = directory + "/\(id).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        outputs[ObjectIdentifier(process)] = (out, err)
        try process.run()
        return process
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// What a started process has written to stdout / stderr so far.
    func output(of process: Process) -> String {
        outputs[ObjectIdentifier(process)].flatMap { try? String(contentsOfFile: $0.0, encoding: .utf8) } ?? ""
    }

    func errors(of process: Process) -> String {
        outputs[ObjectIdentifier(process)].flatMap { try? String(contentsOfFile: $0.1, encoding: .utf8) } ?? ""
    }

    func finish(_ process: Process) -> Result {
        process.waitUntilExit()
        let (out, err) = outputs[ObjectIdentifier(process)]!
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// SHA-256 of the store file, to prove a failing command left it unchanged.
    func storeFingerprint() throws -> Data {
        (try? Data(contentsOf: URL(fileURLWithPath: db))) ?? Data()
    }

    /// Polls `nnreg list --json` until the run has done at least `step` steps (bounded wait).
    func waitUntil(run: String, reaches step: Int, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let list = try self.run(["list", "--json"])
            let runs = list.json as? [[String: Any]] ?? []
            if let row = runs.first(where: { $0["name"] as? String == run }),
               (row["steps_done"] as? Int ?? 0) >= step { return }
        }
        Issue.record("run \(run) did not reach step \(step) within \(timeout)s")
    }
}

/// Runs SQL through the sqlite3 shell, as someone tampering with the file would.
@discardableResult
func sqlite(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data((sql + ";\n").utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "sqlite3 failed on \(sql)")
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
