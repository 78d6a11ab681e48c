import ArgumentParser
import RunQuery
import Store

struct ModelAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Point an alias at a version (set or move, atomically), or remove it with --remove.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The model's name.") var name: String
    @Argument(help: "The alias, e.g. champion (letters, digits, '_', '-', starting with a letter).") var alias: String
    @Argument(help: "The version number (N or vN); not with --remove.") var version: String?
    @Flag(help: "Remove the alias instead.") var remove = false
    @Flag(help: "Print JSON.") var json = false

    struct Outcome: Encodable {
        let model: String
        let alias: String
        let version: Int?
        let previousVersion: Int?
        enum CodingKeys: String, CodingKey { case model, alias, version, previousVersion = "previous_version" }
    }

    var versionNumber: Int? {
        guard let version else { return nil }
        return Int(version.hasPrefix("v") ? String(version.dropFirst()) : version)
    }

    func validate() throws {
        guard ReferenceReading.isAlias(alias) else { throw ValidationError(StoreError.invalidAlias(alias).description) }
        if remove {
            if version != nil { throw ValidationError("--remove takes no version.") }
        } else {
            guard let number = versionNumber, number >= 1 else {
                throw ValidationError("Give the version to point @\(alias) at, e.g. 'nnreg model alias \(name) \(alias) 3'.")
            }
        }
    }

    func run() throws {
        let store = try StoreOpening.openForReading(global.db)
        let outcome: Outcome
        do {
            if remove {
                let previous = try store.model(named: name).aliases[alias]
                try store.removeModelAlias(name: name, alias: alias)
                outcome = Outcome(model: name, alias: alias, version: nil, previousVersion: previous)
            } else {
                let number = versionNumber!
                let previous = try store.setModelAlias(name: name, alias: alias, version: number)
                outcome = Outcome(model: name, alias: alias, version: number, previousVersion: previous)
            }
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        if json { return try Terminal.printJSON(outcome) }
        switch (outcome.version, outcome.previousVersion) {
        case (nil, let previous): print("Removed \(name)@\(alias) (was v\(previous ?? 0))")
        case (let version?, nil): print("Set \(name)@\(alias) → v\(version)")
        case (let version?, let previous?) where previous == version: print("\(name)@\(alias) already points at v\(version)")
        case (let version?, let previous?): print("Moved \(name)@\(alias) from v\(previous) to v\(version)")
        }
    }
}
