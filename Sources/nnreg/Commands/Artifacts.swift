import ArgumentParser
import Foundation
import Store

struct Artifacts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the files a run stored (nnreg track --artifacts), or write one out.",
        discussion: """
            Examples: nnreg artifacts brisk-otter-42
                      nnreg artifacts brisk-otter-42 --get model.safetensors -o model.safetensors
            Register a .safetensors artifact as a model version with: nnreg model register NAME RUN --artifact FILE
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run (id or name).") var reference: String
    @Option(help: "The artifact to write out (its name as listed).") var get: String?
    @Option(name: .shortAndLong, help: "With --get: the file to write ('-' for stdout).") var output: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if get != nil, output == nil { throw ValidationError("--get needs -o FILE (or -o - for stdout).") }
        if output != nil, get == nil { throw ValidationError("-o needs --get NAME.") }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let run = try store.existingRun(reference)
        if let get, let output {
            let data: Data
            do {
                data = try store.artifactData(runID: run.id, name: get)
            } catch let error as StoreError {
                throw CLIError(error.description.replacingOccurrences(of: "Run \(run.id) ", with: "Run \(run.name) "))
            }
            if output == "-" { return FileHandle.standardOutput.write(data) }
            do {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CLIError("cannot write '\(output)': \(error.localizedDescription)")
            }
            if !json { Terminal.diagnostic("Wrote \(output) (\(data.count) bytes, sha256 verified)") }
            return
        }
        let artifacts = try store.artifacts(runID: run.id)
        if json { return try Terminal.printJSON(artifacts) }
        guard !artifacts.isEmpty else { return print("Run \(run.name) has no artifacts.") }
        var table = Table([("NAME", .left), ("SIZE", .right), ("SHA256", .left), ("STORED", .left)])
        for artifact in artifacts {
            table.append([artifact.name, Formatting.bytes(artifact.size), String(artifact.sha256.prefix(16)) + "…", Formatting.time(artifact.createdAt)])
        }
        print(table.rendered())
    }
}
