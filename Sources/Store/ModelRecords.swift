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
    /// Versions that exist now (deleted ones are gone; their numbers are never given again).
    public let versionCount: Int
    /// The highest existing version number, or nil when none is left.
    public let latestVersion: Int?
    /// Alias → version number.
    public let aliases: [String: Int]
    /// Tags of the model itself.
    public let tags: [String: String]
}

/// One version of a model: a checkpoint, with what was known of it when it was registered.
public struct ModelVersion: Sendable, Equatable, Codable, Identifiable {
    /// The version's row number in the store.
    public let id: Int64
    /// Its model's number.
    public let modelID: Int64
    /// Its model's name.
    public let modelName: String
    /// Its number within the model (1, 2, …).
    public let version: Int
    /// The checkpoint it is.
    public let checkpointID: Int64
    /// The run that made the checkpoint.
    public let runID: Int64
    /// The checkpoint's step.
    public let step: Int
    /// SHA-256 of its weights.
    public let weightsSHA256: String
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
    /// OS user and host that registered it.
    public let createdBy: String
    /// The host it was registered from.
    public let createdHost: String
    /// The aliases pointing at it.
    public let aliases: [String]
    /// Tags of this version.
    public let tags: [String: String]

    /// `NAME:vN`.
    public var reference: String { "\(modelName):v\(version)" }
}

/// One entry of a model's append-only history.
public struct ModelHistoryEntry: Sendable, Equatable, Codable, Identifiable {
    /// What changed.
    public enum Action: String, Sendable, Equatable, Codable {
        case modelCreated = "model_created", versionRegistered = "version_registered", aliasSet = "alias_set"
        case aliasMoved = "alias_moved", aliasRemoved = "alias_removed", versionDeleted = "version_deleted"
        case modelDeleted = "model_deleted"
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
