import ArgumentParser

/// `nnreg model …`: the registry of named, versioned models.
struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The model registry: named models, numbered versions of checkpoints, aliases, history.",
        discussion: """
            A version is one checkpoint; refer to it as MODEL:vN, MODEL@ALIAS (MODEL@latest is the highest
            version), models:/MODEL/N or models:/MODEL@ALIAS wherever a checkpoint is expected (eval,
            predict, compare, resume --fork, export).
            """,
        subcommands: [
            ModelRegister.self, ModelList.self, ModelShow.self, ModelHistory.self, ModelAlias.self, ModelDelete.self,
            ModelResolve.self,
        ])
}

/// `KEY=VALUE` options (`--tag`), parsed once for every command that takes them.
enum KeyValueOptions {
    static func parse(_ items: [String], option: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("\(option) '\(item)' must look like KEY=VALUE.")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }
}
