import Foundation

/// A named model of the registry, with a summary of its versions.
public struct RegisteredModel: Sendable, Equatable, Codable, Identifiable {
    public let id: Int64
    public let name: String
    public let description: String?
    public let createdAt: Date
    /// Versions that exist now (deleted ones are gone; their numbers are never given again).
    public let versionCount: Int
    /// The highest existing version number, or nil when none is left.
    public let latestVersion: Int?
    /// Alias → version number.
    public let aliases: [String: Int]
    public let tags: [String: String]
}

/// One version of a model: a checkpoint, with what was known of it when it was registered.
public struct ModelVersion: Sendable, Equatable, Codable, Identifiable {
    public let id: Int64
    public let modelID: Int64
    public let modelName: String
    public let version: Int
    public let checkpointID: Int64
    public let runID: Int64
    public let step: Int
    public let weightsSHA256: String
    public let datasetName: String?
    public let datasetSHA256: String?
    /// The latest test-split evaluation of the version's checkpoint (recorded at registration, and
    /// kept up to date by later evaluations of that same checkpoint).
    public let testAccuracy: Double?
    public let description: String?
    public let createdAt: Date
    /// OS user and host that registered it.
    public let createdBy: String
    public let createdHost: String
    public let aliases: [String]
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
