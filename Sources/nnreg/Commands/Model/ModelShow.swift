import ArgumentParser
import Foundation
import RunQuery
import Store

struct ModelShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a model: its versions with their lineage (run, step, dataset, params), aliases and tags.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The model's name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    struct Detail: Encodable {
        let name: String
        let description: String?
        let created: Date
        let aliases: [String: Int]
        let tags: [String: String]
        let versions: [VersionDetail]
    }

    struct VersionDetail: Encodable {
        let version: ModelVersionJSON
        let run: Lineage?
    }

    /// Where a version came from: its run, that run's dataset and params, and its parent if forked.
    struct Lineage: Encodable {
        let id: Int64
        let name: String
        let status: String
        let params: [String: ParamValue]
        let parent: Int64?
        let parentStep: Int?
        enum CodingKeys: String, CodingKey { case id, name, status, params, parent, parentStep = "parent_step" }
    }

    static func aliasList(_ aliases: [String: Int]) -> String {
        aliases.isEmpty ? "-" : aliases.sorted { $0.key < $1.key }.map { "@\($0.key)→v\($0.value)" }.joined(separator: " ")
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let model: RegisteredModel
        let versions: [ModelVersion]
        do {
            model = try store.model(named: name)
            versions = try store.modelVersions(name: name)
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        let details = try versions.map { version in
            let run = try version.runID.map { try store.run(id: $0) }
            return VersionDetail(version: ModelVersionJSON(version), run: try run.map { run in
                Lineage(
                    id: run.id, name: run.name, status: run.status.rawValue, params: try store.params(runID: run.id),
                    parent: run.parentRunID, parentStep: run.parentStep)
            })
        }
        if json {
            return try Terminal.printJSON(Detail(
                name: model.name, description: model.description, created: model.createdAt, aliases: model.aliases,
                tags: model.tags, versions: details))
        }
        print(Terminal.bold("Model \(model.name)") + "  \(model.versionCount) version\(model.versionCount == 1 ? "" : "s")  created \(Formatting.time(model.createdAt))")
        print("aliases \(Self.aliasList(model.aliases))")
        if !model.tags.isEmpty { print("tags " + model.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        var table = Table([("VERSION", .right), ("ALIASES", .left), ("RUN", .left), ("STEP", .right), ("TEST ACC", .right),
                           ("DATASET", .left), ("WEIGHTS SHA-256 / SOURCE", .left), ("REGISTERED", .left), ("BY", .left)])
        for detail in details {
            let v = detail.version
            let run = detail.run.map { "\($0.id) \($0.name)" } ?? "-"
            let weights = v.weightsSHA256.map { String($0.prefix(16)) + "…" } ?? (v.source ?? "-")
            table.append(["v\(v.version)", v.aliases.isEmpty ? "-" : v.aliases.map { "@\($0)" }.joined(separator: " "),
                          run, v.step.map(String.init) ?? "-", Formatting.accuracy(v.testAccuracy),
                          v.dataset ?? "-", weights, Formatting.time(v.created), "\(v.createdBy)@\(v.createdHost)"])
        }
        print("\n" + table.rendered())
        for detail in details {
            guard let run = detail.run else {
                print("\nv\(detail.version.version): \(detail.version.source ?? "-") (registered through the MLflow API)")
                if let description = detail.version.description { print("  \(description)") }
                continue
            }
            let params = run.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            var line = "v\(detail.version.version): run \(run.id) \(run.name) (\(run.status))"
            if let step = detail.version.step { line += " step \(step)" } else if let source = detail.version.source { line += " \(source)" }
            if let parent = run.parent { line += ", forked from run \(parent) at step \(run.parentStep ?? 0)" }
            line += ", dataset \(detail.version.dataset ?? "-") \(detail.version.datasetSHA256.map { String($0.prefix(12)) + "…" } ?? "")"
            print("\n" + line + (params.isEmpty ? "" : "\n  " + params))
            if let description = detail.version.description { print("  \(description)") }
        }
    }
}
