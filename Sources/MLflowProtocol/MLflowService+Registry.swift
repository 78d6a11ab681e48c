import Foundation
import HTTPTypes
import MLflowWire
import Store

/// The model registry: MLflow's `registered-models/…` and `model-versions/…` over nnreg's one
/// registry. Versions made by `nnreg model register` (checkpoints) and by the API (files named by
/// `source`) are the same versions, with the same aliases and append-only history.
extension MLflowService {
    static func addRegistryEndpoints(_ add: (String, [HTTPRequest.Method], Bool, @escaping @Sendable (MLflowRequest, Store) throws -> JSONWriter) -> Void) {
        add("registered-models/create", [.post], true) { call, store in
            let tags = Dictionary(try call.keyValues("tags"), uniquingKeysWith: { $1 })
            try Self.checkTags(tags)
            let model = try store.createModel(
                name: try call.string("name"), description: try call.optionalString("description").flatMap { $0.isEmpty ? nil : $0 },
                tags: tags)
            return try Self.registeredModelAnswer(model, store: store)
        }
        add("registered-models/get", [.get], false) { call, store in
            try Self.registeredModelAnswer(try store.model(named: try call.string("name")), store: store)
        }
        add("registered-models/update", [.patch], true) { call, store in
            let name = try call.string("name")
            if call.has("description") { try store.describeModel(name: name, description: try call.optionalString("description")) }
            return try Self.registeredModelAnswer(try store.model(named: name), store: store)
        }
        add("registered-models/rename", [.post], true) { call, store in
            let newName = try call.string("new_name")
            try store.renameModel(name: try call.string("name"), to: newName)
            return try Self.registeredModelAnswer(try store.model(named: newName), store: store)
        }
        add("registered-models/delete", [.delete], true) { call, store in
            try store.deleteModel(name: try call.string("name"), force: true)
            return Self.empty
        }
        add("registered-models/set-tag", [.post], true) { call, store in
            let key = try call.string("key"), value = try call.optionalString("value") ?? ""
            try Self.checkTags([key: value])
            try store.setModelTag(name: try call.string("name"), key: key, value: value)
            return Self.empty
        }
        add("registered-models/delete-tag", [.delete], true) { call, store in
            try store.deleteModelTag(name: try call.string("name"), key: try call.string("key"))
            return Self.empty
        }
        add("registered-models/alias", [.post], true) { call, store in
            try store.setModelAlias(name: try call.string("name"), alias: try call.string("alias"), version: try Self.versionNumber(call))
            return Self.empty
        }
        add("registered-models/alias", [.delete], true) { call, store in
            let name = try call.string("name"), alias = try call.string("alias")
            // MLflow deletes an alias that is not there without complaint.
            if try store.model(named: name).aliases[alias] != nil { try store.removeModelAlias(name: name, alias: alias) }
            return Self.empty
        }
        add("registered-models/alias", [.get], false) { call, store in
            let name = try call.string("name"), alias = try call.string("alias")
            let version: ModelVersion
            do {
                version = try store.modelVersion(name: name, alias: alias)
            } catch StoreError.aliasNotFound {
                throw MLflowError.invalid("Registered model alias \(alias) not found.")
            }
            return try Self.modelVersionAnswer(version, store: store)
        }
        add("registered-models/get-latest-versions", [.get, .post], false) { call, store in
            let model = try store.model(named: try call.string("name"))
            let stages = try call.strings("stages")
            var writer = JSONWriter()
            writer.openObject()
            writer.key("model_versions")
            writer.openArray()
            if let latest = model.latestVersion, stages.isEmpty || stages.contains(where: { $0.lowercased() == "none" }) {
                try Self.writeModelVersion(&writer, try store.modelVersion(name: model.name, version: latest), store: store)
            }
            writer.closeArray()
            writer.closeObject()
            return writer
        }
        add("registered-models/search", [.get, .post], false) { call, store in
            let filter = try TermFilter(try call.optionalString("filter") ?? "", attributes: ["name": .text], missingTagIsUnequal: true)
            var found = try store.models().filter { model in
                filter.matches({ $0 == "name" ? .text(model.name) : nil }, tags: model.tags)
            }
            try TermFilter.sort(
                &found, clauses: try call.strings("order_by"), fields: ["name", "timestamp", "last_updated_timestamp"],
                key: { model, field in
                    switch field {
                    case "name": .text(model.name)
                    default: .number(Double(Self.milliseconds(model.updatedAt)))
                    }
                },
                fallback: { $0.name < $1.name })
            let (page, next) = try Self.page(found, call, defaultLimit: 100, maxLimit: 1_000)
            return try Self.pageAnswer("registered_models", page, next: next) { try Self.writeRegisteredModel(&$0, $1, store: store) }
        }
        add("model-versions/create", [.post], true) { call, store in
            let name = try call.string("name"), source = try call.string("source")
            let loggedModel = try call.optionalString("model_id").flatMap { $0.isEmpty ? nil : $0 }.map { try store.loggedModel(id: $0) }
            var runID = loggedModel?.runID
            if let uid = try call.optionalString("run_id").flatMap({ $0.isEmpty ? nil : $0 }) { runID = try store.run(uid: uid).id }
            let tags = Dictionary(try call.keyValues("tags"), uniquingKeysWith: { $1 })
            try Self.checkTags(tags)
            let version = try store.registerModelSource(
                name: name, source: source, runID: runID, loggedModelID: loggedModel?.id,
                description: try call.optionalString("description").flatMap { $0.isEmpty ? nil : $0 }, tags: tags)
            return try Self.modelVersionAnswer(version, store: store)
        }
        add("model-versions/get", [.get], false) { call, store in
            try Self.modelVersionAnswer(try store.modelVersion(name: try call.string("name"), version: try Self.versionNumber(call)), store: store)
        }
        add("model-versions/update", [.patch], true) { call, store in
            let name = try call.string("name"), number = try Self.versionNumber(call)
            if call.has("description") { try store.describeModel(name: name, version: number, description: try call.optionalString("description")) }
            return try Self.modelVersionAnswer(try store.modelVersion(name: name, version: number), store: store)
        }
        add("model-versions/delete", [.delete], true) { call, store in
            try store.deleteModelVersion(name: try call.string("name"), version: try Self.versionNumber(call), force: true)
            return Self.empty
        }
        add("model-versions/set-tag", [.post], true) { call, store in
            let key = try call.string("key"), value = try call.optionalString("value") ?? ""
            try Self.checkTags([key: value])
            try store.setModelTag(name: try call.string("name"), version: try Self.versionNumber(call), key: key, value: value)
            return Self.empty
        }
        add("model-versions/delete-tag", [.delete], true) { call, store in
            try store.deleteModelTag(name: try call.string("name"), version: try Self.versionNumber(call), key: try call.string("key"))
            return Self.empty
        }
        add("model-versions/get-download-uri", [.get], false) { call, store in
            let version = try store.modelVersion(name: try call.string("name"), version: try Self.versionNumber(call))
            var writer = JSONWriter()
            writer.openObject()
            writer.field("artifact_uri", try Self.downloadURI(version, store: store))
            writer.closeObject()
            return writer
        }
        add("model-versions/search", [.get, .post], false) { call, store in
            let filter = try TermFilter(
                try call.optionalString("filter") ?? "",
                attributes: ["name": .textOrList, "run_id": .textOrList, "source_path": .text, "version_number": .number],
                missingTagIsUnequal: true)
            var found = try store.allModelVersions().filter { version in
                filter.matches({ Self.attribute($0, of: version) }, tags: version.tags)
            }
            try TermFilter.sort(
                &found, clauses: try call.strings("order_by"),
                fields: ["name", "version_number", "creation_timestamp", "last_updated_timestamp", "run_id"],
                key: { version, field in
                    switch field {
                    case "creation_timestamp": .number(Double(Self.milliseconds(version.createdAt)))
                    case "last_updated_timestamp": .number(Double(Self.milliseconds(version.updatedAt)))
                    default: Self.attribute(field, of: version)
                    }
                },
                fallback: { $0.modelName != $1.modelName ? $0.modelName < $1.modelName : $0.version > $1.version })
            let (page, next) = try Self.page(found, call, defaultLimit: 10_000, maxLimit: 200_000)
            return try Self.pageAnswer("model_versions", page, next: next) { try Self.writeModelVersion(&$0, $1, store: store) }
        }
    }

    static func attribute(_ name: String, of version: ModelVersion) -> TermFilter.Value? {
        switch name {
        case "name": .text(version.modelName)
        case "run_id": .text(version.runUID ?? "")
        case "source_path": .text(version.source ?? checkpointSource(version))
        case "version_number": .number(Double(version.version))
        default: nil
        }
    }

    /// A version's number: MLflow sends it as a string.
    static func versionNumber(_ call: MLflowRequest) throws -> Int {
        let text = try call.string("version")
        guard let number = Int(text), number >= 1 else { throw MLflowError.invalid("Model version '\(text.prefix(40))' must be a number from 1.") }
        return number
    }

    /// How a checkpoint version shows as a source: nnreg's own URI, which MLflow's client cannot
    /// download (nnreg exports it: `nnreg export NAME:vN`).
    static func checkpointSource(_ version: ModelVersion) -> String {
        "nnreg:/runs/\(version.runUID ?? "?")/checkpoints/\(version.step ?? 0)"
    }

    /// Where the client downloads a version's files: a logged model's or a run's artifact
    /// location for `models:/m-…` and `runs:/ID/path`, the source itself otherwise.
    static func downloadURI(_ version: ModelVersion, store: Store) throws -> String {
        guard let source = version.source else { return checkpointSource(version) }
        if source.hasPrefix("models:/m-"), let id = version.loggedModelID ?? source.split(separator: "/").last.map(String.init) {
            return try loggedModelArtifactURI(try store.loggedModel(id: id), store: store)
        }
        if source.hasPrefix("runs:/") {
            let rest = source.dropFirst("runs:/".count)
            let uid = String(rest.prefix { $0 != "/" })
            let path = rest.dropFirst(uid.count).drop { $0 == "/" }
            let run = try store.run(uid: uid)
            return try artifactURI(of: run, store: store) + (path.isEmpty ? "" : "/" + path)
        }
        return source
    }

    static func registeredModelAnswer(_ model: RegisteredModel, store: Store) throws -> JSONWriter {
        try answer("registered_model") { try writeRegisteredModel(&$0, model, store: store) }
    }

    static func modelVersionAnswer(_ version: ModelVersion, store: Store) throws -> JSONWriter {
        try answer("model_version") { try writeModelVersion(&$0, version, store: store) }
    }

    static func writeRegisteredModel(_ writer: inout JSONWriter, _ model: RegisteredModel, store: Store) throws {
        writer.openObject()
        writer.field("name", model.name)
        writer.field("creation_timestamp", milliseconds(model.createdAt))
        writer.field("last_updated_timestamp", milliseconds(model.updatedAt))
        if let description = model.description { writer.field("description", description) }
        if let latest = model.latestVersion {
            writer.key("latest_versions")
            writer.openArray()
            try writeModelVersion(&writer, try store.modelVersion(name: model.name, version: latest), store: store, withAliases: false)
            writer.closeArray()
        }
        writer.keyValueList("tags", model.tags)
        if !model.aliases.isEmpty {
            writer.key("aliases")
            writer.openArray()
            for (alias, version) in model.aliases.sorted(by: { $0.key < $1.key }) {
                writer.openObject()
                writer.field("alias", alias)
                writer.field("version", String(version))
                writer.closeObject()
            }
            writer.closeArray()
        }
        writer.closeObject()
    }

    static func writeModelVersion(_ writer: inout JSONWriter, _ version: ModelVersion, store: Store, withAliases: Bool = true) throws {
        writer.openObject()
        writer.field("name", version.modelName)
        writer.field("version", String(version.version))
        writer.field("creation_timestamp", milliseconds(version.createdAt))
        writer.field("last_updated_timestamp", milliseconds(version.updatedAt))
        writer.field("current_stage", "None")
        writer.field("description", version.description ?? "")
        writer.field("source", version.source ?? checkpointSource(version))
        writer.field("run_id", version.runUID ?? "")
        writer.field("status", "READY")
        writer.field("run_link", "")
        writer.keyValueList("tags", version.tags)
        if let model = version.loggedModelID { writer.field("model_id", model) }
        if withAliases, !version.aliases.isEmpty {
            writer.key("aliases")
            writer.openArray()
            for alias in version.aliases { writer.string(alias) }
            writer.closeArray()
        }
        writer.closeObject()
    }
}
