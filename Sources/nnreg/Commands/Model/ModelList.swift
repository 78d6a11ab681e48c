import ArgumentParser
import Foundation
import RunQuery
import Store

struct ModelList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registered models.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    struct Entry: Encodable {
        let name: String
        let description: String?
        let versions: Int
        let latestVersion: Int?
        let aliases: [String: Int]
        let tags: [String: String]
        let latestTestAccuracy: Double?
        let created: Date
        enum CodingKeys: String, CodingKey {
            case name, description, versions, latestVersion = "latest_version", aliases, tags
            case latestTestAccuracy = "latest_test_accuracy", created
        }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let entries = try store.models().map { model in
            Entry(name: model.name, description: model.description, versions: model.versionCount,
                  latestVersion: model.latestVersion, aliases: model.aliases, tags: model.tags,
                  latestTestAccuracy: try model.latestVersion.map { try store.modelVersion(name: model.name, version: $0).testAccuracy } ?? nil,
                  created: model.createdAt)
        }
        if json { return try Terminal.printJSON(entries) }
        guard !entries.isEmpty else {
            return print("No models in \(global.shownDB) yet; register one with 'nnreg model register NAME RUN[@STEP]'.")
        }
        var table = Table([("NAME", .left), ("VERSIONS", .right), ("LATEST", .right), ("TEST ACC", .right), ("ALIASES", .left), ("CREATED", .left)])
        for entry in entries {
            table.append([entry.name, String(entry.versions), entry.latestVersion.map { "v\($0)" } ?? "-",
                          Formatting.accuracy(entry.latestTestAccuracy), ModelShow.aliasList(entry.aliases), Formatting.time(entry.created)])
        }
        print(table.rendered())
    }
}
