import Foundation

/// A named model of the registry, with a summary of its versions.
public struct RegisteredModel: Sendable, Equatable, Codable, Identifiable {
    /// The model's number in the store.
    public let id: Int64
    /// Its unique name.
    public let name: String
    /// What it is, if said.
    public let description: String?
    /// When it was created.
    public let createdAt: Date
    /// When it, its tags or its versions last changed.
    public let updatedAt: Date
    /// Versions that exist now (deleted ones are gone; their numbers are never given again).
    public let versionCount: Int
    /// The highest existing version number, or nil when none is left.
    public let latestVersion: Int?
    /// Alias → version number.
    public let aliases: [String: Int]
    /// Tags of the model itself.
    public let tags: [String: String]
}

/// One version of a model: a checkpoint, with what was known of it when it was registered, or (made
/// through MLflow's API) files the API names by `source`.
public struct ModelVersion: Sendable, Equatable, Codable, Identifiable {
    /// The version's row number in the store.
    public let id: Int64
    /// Its model's number.
    public let modelID: Int64
    /// Its model's name.
    public let modelName: String
    /// Its number within the model (1, 2, …).
    public let version: Int
    /// The checkpoint it is; nil for a version of files the MLflow API named (`source`).
    public let checkpointID: Int64?
    /// The run that made it (for a version made through the API, the run it names, if any).
    public let runID: Int64?
    /// That run's uid.
    public let runUID: String?
    /// The checkpoint's step.
    public let step: Int?
    /// SHA-256 of its weights.
    public let weightsSHA256: String?
    /// Where its files are, as the MLflow API gave it (`runs:/ID/path`, `mlflow-artifacts:/…`,
    /// `models:/m-…`); nil for a checkpoint.
    public let source: String?
    /// The MLflow logged model it was made from, if any.
    public let loggedModelID: String?
    /// The dataset its run trained on.
    public let datasetName: String?
    /// The SHA-256 identifying that dataset.
    public let datasetSHA256: String?
    /// The latest test-split evaluation of the version's checkpoint (recorded at registration, and
    /// kept up to date by later evaluations of that same checkpoint).
    public let testAccuracy: Double?
    /// What this version is, if said.
    public let description: String?
    /// When it was registered.
    public let createdAt: Date
    /// When its description or tags last changed.
    public let updatedAt: Date
    /// OS user and host that registered it.
    public let createdBy: String
    /// The host it was registered from.
    public let createdHost: String
    /// The aliases pointing at it.
    public internal(set) var aliases: [String]
    /// Tags of this version.
    public internal(set) var tags: [String: String]

    /// `NAME:vN`.
    public var reference: String { "\(modelName):v\(version)" }

    /// Where it came from, as the history says it: `run 3 step 1000 weights …` or `source runs:/…`.
    public var origin: String {
        if let runID, let step, let weightsSHA256 { return "run \(runID) step \(step) weights \(weightsSHA256)" }
        return "source \(source ?? "?")"
    }

    /// The checkpoint this version is, or `versionIsNotACheckpoint` for files the MLflow API named.
    public func requireCheckpoint() throws -> (runID: Int64, step: Int, checkpointID: Int64, weightsSHA256: String) {
        guard let checkpointID, let runID, let step, let weightsSHA256 else {
            throw StoreError.versionIsNotACheckpoint(reference: reference, source: source ?? "?")
        }
        return (runID, step, checkpointID, weightsSHA256)
    }
}

/// One entry of a model's append-only history.
public struct ModelHistoryEntry: Sendable, Equatable, Codable, Identifiable {
    /// What changed.
    public enum Action: String, Sendable, Equatable, Codable {
        case modelCreated = "model_created", versionRegistered = "version_registered", aliasSet = "alias_set"
        case aliasMoved = "alias_moved", aliasRemoved = "alias_removed", versionDeleted = "version_deleted"
        case modelDeleted = "model_deleted", modelRenamed = "model_renamed"
    }

    public let id: Int64
    public let modelName: String
    public let action: Action
    public let version: Int?
    public let alias: String?
    /// For a moved or removed alias, the version it pointed at before.
    public let previousVersion: Int?
    public let detail: String?
    public let at: Date
    public let user: String
    public let host: String

    /// What happened, as one sentence: `moved @champion from v1 to v2`.
    public var summary: String {
        let version = self.version.map { "v\($0)" } ?? "?"
        let previous = previousVersion.map { "v\($0)" } ?? "?"
        let alias = "@" + (self.alias ?? "?")
        switch action {
        case .modelCreated: return "created model \(modelName)"
        case .versionRegistered: return "registered \(version) from \(detail ?? "?")"
        case .aliasSet: return "set \(alias) → \(version)"
        case .aliasMoved: return "moved \(alias) from \(previous) to \(version)"
        case .aliasRemoved: return "removed \(alias) (was \(previous))"
        case .versionDeleted: return "deleted \(version) (\(detail ?? ""))"
        case .modelDeleted: return "deleted model \(modelName)"
        case .modelRenamed: return "renamed model \(detail ?? "?") to \(modelName)"
        }
    }
}

/// A run or checkpoint reference resolved against a store (`Store.resolve(_:)`).
public struct ResolvedReference: Sendable, Equatable {
    public let run: Run
    /// The checkpoint step the reference names, or nil for the run's latest.
    public let step: Int?
    /// The model version, when the reference named one.
    public let modelVersion: ModelVersion?
    /// How the text was read.
    public let reading: ReferenceReading
}
