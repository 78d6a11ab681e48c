import ArgumentParser
import Foundation
import RunQuery
import Store

struct ModelHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every change to a model, oldest first: who, where, when, what (append-only).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The model's name (a deleted model's history is kept too).") var name: String
    @Flag(help: "Print JSON.") var json = false

    struct Entry: Encodable {
        let at: Date
        let user: String
        let host: String
        let action: String
        let version: Int?
        let alias: String?
        let previousVersion: Int?
        let detail: String?
        enum CodingKeys: String, CodingKey { case at, user, host, action, version, alias, previousVersion = "previous_version", detail }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let history: [ModelHistoryEntry]
        do { history = try store.modelHistory(name: name) } catch let error as StoreError { throw CLIError(error.description) }
        if json {
            return try Terminal.printJSON(history.map {
                Entry(at: $0.at, user: $0.user, host: $0.host, action: $0.action.rawValue, version: $0.version,
                      alias: $0.alias, previousVersion: $0.previousVersion, detail: $0.detail)
            })
        }
        var table = Table([("WHEN", .left), ("WHO", .left), ("WHAT", .left)])
        for entry in history { table.append([Formatting.time(entry.at), "\(entry.user)@\(entry.host)", entry.summary]) }
        print(table.rendered())
    }
}
