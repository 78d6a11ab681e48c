import Foundation
import Testing
import Trainer

/// Each hostile input ends in one line naming the problem, a non-zero exit, and the store unchanged.
@Suite(.serialized) struct HostileInputTests {
    /// An IDX file: big-endian magic and dimensions, then the bytes.
    static func idx(magic: UInt32, dimensions: [Int], body: [UInt8]) -> Data {
        var bytes: [UInt8] = []
        for value in [Int(magic)] + dimensions {
            bytes += [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        return Data(bytes + body)
    }

    /// A copy of the harness's dataset with one file replaced.
    static func corrupted(_ cli: CommandLineHarness, _ name: String, file: String, contents: Data) throws -> String {
        let directory = cli.directory + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for original in try FileManager.default.contentsOfDirectory(atPath: cli.data) {
            try FileManager.default.copyItem(atPath: cli.data + "/" + original, toPath: directory + "/" + original)
        }
        try? FileManager.default.removeItem(atPath: directory + "/" + file)
        try contents.write(to: URL(fileURLWithPath: directory + "/" + file))
        return directory
    }

    @Test func corruptDatasetsAreRefusedByName() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 100)
        try cli.run(["train", "--steps", "20", "--name", "base"])
        let before = try cli.storeFingerprint()
        let trainImages = try Data(contentsOf: URL(fileURLWithPath: cli.data + "/train-images-idx3-ubyte"))
        let pixels = [UInt8](repeating: 0, count: 300 * 784)
        let labels = [UInt8](repeating: 1, count: 300)
        let cases: [(name: String, file: String, contents: Data, mentions: [String])] = [
            ("magic", "train-images-idx3-ubyte", Self.idx(magic: 2049, dimensions: [300, 28, 28], body: pixels), ["train-images", "magic"]),
            ("dimensions", "train-images-idx3-ubyte", Self.idx(magic: 2051, dimensions: [300, 28, 27], body: Array(pixels.prefix(300 * 28 * 27))), ["756 pixels", "784"]),
            ("truncated", "train-images-idx3-ubyte", trainImages.prefix(trainImages.count - 100), ["train-images", "truncated"]),
            ("counts", "train-labels-idx1-ubyte", Self.idx(magic: 2049, dimensions: [299], body: Array(labels.prefix(299))), ["train-labels", "299"]),
            ("range", "train-labels-idx1-ubyte", Self.idx(magic: 2049, dimensions: [300], body: [12] + labels.dropFirst()), ["train-labels", "12"]),
            ("gzip", "train-labels-idx1-ubyte.gz", Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03] + [UInt8](repeating: 0xAB, count: 64)), ["train-labels-idx1-ubyte.gz"]),
        ]
        for hostile in cases {
            var directory = try Self.corrupted(cli, hostile.name, file: hostile.file, contents: hostile.contents)
            if hostile.name == "gzip" {
                try FileManager.default.removeItem(atPath: directory + "/train-labels-idx1-ubyte")
            }
            for arguments in [["train", "--steps", "10", "--data", directory], ["eval", "base", "--data", directory]] {
                let result = try cli.run(arguments)
                #expect(result.status == 1, "\(hostile.name): \(result.status)")
                let lines = result.stderr.split(separator: "\n")
                #expect(lines.count == 1 && result.stderr.hasPrefix("Error: "), "\(hostile.name): \(result.stderr)")
                for mention in hostile.mentions {
                    #expect(result.stderr.contains(mention), "\(hostile.name): \(result.stderr)")
                }
            }
            directory = ""
        }
        #expect(try cli.storeFingerprint() == before)
    }

    @Test func hostileStoresAreRefusedAndLeftAlone() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 100)
        let directoryResult = try cli.run(["list", "--db", cli.directory])
        #expect(directoryResult.status == 1 && directoryResult.stderr.hasPrefix("Error: "), "\(directoryResult.stderr)")
        #expect(directoryResult.stderr.split(separator: "\n").count == 1)

        try cli.run(["train", "--steps", "20"])
        try sqlite(cli.db, "INSERT INTO schema_migrations (id, applied_at) VALUES ('9999_from_the_future', '2030-01-01')")
        let newer = try cli.storeFingerprint()
        for arguments in [["list"], ["train", "--steps", "10"], ["check"], ["show", "1"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.contains("newer"), "\(arguments): \(result.stderr)")
        }
        #expect(try cli.storeFingerprint() == newer)
    }

    /// Root ignores permission bits, so the read-only file is an immutable one (`chattr +i`) where the
    /// file system supports it.
    @Test func readOnlyStoreIsRefusedAndLeftAlone() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 100)
        try cli.run(["train", "--steps", "20"])
        guard chattr("+i", cli.db) else { return }
        defer { _ = chattr("-i", cli.db) }
        let before = try cli.storeFingerprint()
        for arguments in [["train", "--steps", "10"], ["eval", "1"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 1 && result.stderr.hasPrefix("Error: ") && result.stderr.contains("read-only"),
                    "\(arguments): \(result.stderr)")
        }
        #expect(try cli.storeFingerprint() == before)
    }

    private func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test func flippedBitInACheckpointIsRefusedAndReported() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 100)
        try cli.run(["train", "--steps", "60", "--checkpoint-every", "20", "--display-step", "20", "--name", "victim"])
        #expect(try cli.run(["check"]).status == 0)
        // Flip one bit in the middle of the step-60 weights.
        let blob = "(SELECT weights_sha256 FROM checkpoints WHERE step = 60)"
        let byte = try sqlite(cli.db, "SELECT hex(substr(data, 5001, 1)) FROM blobs WHERE sha256 = \(blob)")
        let flipped = String(format: "%02X", UInt8(byte, radix: 16)! ^ 0x10)
        try sqlite(cli.db, "UPDATE blobs SET data = CAST(substr(data, 1, 5000) || X'\(flipped)' || substr(data, 5002) AS BLOB) WHERE sha256 = \(blob)")
        try sqlite(cli.db, "UPDATE runs SET status = 'interrupted'")
        let before = try cli.storeFingerprint()

        for arguments in [["eval", "victim"], ["predict", "victim@60"], ["resume", "victim", "--steps", "80"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("Error: ") && result.stderr.contains("60"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        let check = try cli.run(["check"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("corrupt_blob") && check.stdout.contains("step 60"))
        #expect(try cli.storeFingerprint() == before)
        // The earlier checkpoints are untouched and usable.
        #expect(try cli.run(["eval", "victim@40"]).status == 0)
    }

    @Test func readingCommandsDoNotCreateAStoreAtAMistypedPath() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 100)
        let typo = cli.directory + "/typo.sqlite"
        for arguments in [["show", "1"], ["eval", "1"], ["predict", "1"], ["resume", "1"], ["compare", "1", "2"], ["check"]] {
            let result = try cli.run(arguments + ["--db", typo])
            #expect(result.status == 1 && result.stderr.hasPrefix("Error: no store at"), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: typo))
    }

    @Test func unknownCommandsAndOptionsGetUsage() throws {
        let cli = try CommandLineHarness(trainCount: 300, testCount: 100)
        let unknown = try cli.run(["frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("Usage"))
    }
}
