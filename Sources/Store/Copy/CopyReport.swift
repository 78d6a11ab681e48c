import Foundation

/// What `Store.copyRuns(ids:to:)` did: the runs it copied, those the destination already held, and
/// everything it did not copy, with why.
public struct CopyReport: Sendable, Equatable, Codable {
    /// A run copied, or found already at the destination with the same content.
    public struct RunEntry: Sendable, Equatable, Codable {
        public let name: String
        public let uid: String
        /// Its id in the source store.
        public let sourceID: Int64
        /// Its id in the destination store.
        public let destinationID: Int64
        /// Metric points, checkpoints and blob bytes written for it (0 for a run already there; a
        /// blob the destination already held moves no bytes).
        public let metricPoints: Int
        public let checkpoints: Int
        public let blobBytes: Int

        enum CodingKeys: String, CodingKey {
            case name, uid, sourceID = "source_id", destinationID = "destination_id", metricPoints = "metric_points"
            case checkpoints, blobBytes = "blob_bytes"
        }
    }

    /// Something that exists on both sides and differs; the destination's is kept.
    public struct Conflict: Sendable, Equatable, Codable, CustomStringConvertible {
        /// What clashed.
        public enum Kind: String, Sendable, Equatable, Codable {
            /// The run (same uid) differs at the destination.
            case runDiffers = "run_differs"
            /// The model's version number names another checkpoint at the destination (or was deleted there).
            case modelVersion = "model_version"
            /// The alias points at another version at the destination.
            case modelAlias = "model_alias"
            /// The model's or version's tag has another value at the destination.
            case modelTag = "model_tag"
            /// The destination's sweep of this name has another spec or other trials.
            case sweep
        }

        public let kind: Kind
        /// The run's name, or `MODEL:vN`, `MODEL@ALIAS`, `MODEL:vN tag KEY`.
        public let name: String
        /// The run's uid (runs only).
        public let uid: String?
        /// What differs, in words.
        public let detail: String

        public var description: String {
            switch kind {
            case .runDiffers: return "run \(name) (uid \(uid ?? "-")): \(detail)"
            case .modelVersion, .modelAlias, .modelTag: return "\(name): \(detail)"
            case .sweep: return "sweep \(name): \(detail)"
            }
        }
    }

    /// A run left out on purpose, or one whose copy failed (the destination has nothing of it).
    public struct Note: Sendable, Equatable, Codable, CustomStringConvertible {
        public let name: String
        public let uid: String
        public let sourceID: Int64
        public let reason: String

        public var description: String { "run \(sourceID) \(name): \(reason)" }

        enum CodingKeys: String, CodingKey { case name, uid, sourceID = "source_id", reason }
    }

    public internal(set) var copied: [RunEntry] = []
    public internal(set) var alreadyPresent: [RunEntry] = []
    public internal(set) var conflicts: [Conflict] = []
    /// Runs not copied on purpose: still running, or their parent was not copied.
    public internal(set) var skipped: [Note] = []
    /// Runs whose copy failed (a blob that does not match its SHA-256 on arrival); nothing of them was written.
    public internal(set) var failures: [Note] = []
    /// Soft-deleted runs left out because they were not named (named ones are copied, still deleted).
    public internal(set) var deletedLeftOut = 0
    /// Model versions (`MODEL:vN`) and aliases (`MODEL@ALIAS`) added at the destination.
    public internal(set) var modelVersionsCopied: [String] = []
    public internal(set) var aliasesCopied: [String] = []
    /// Sweeps added at the destination (every trial's run there), and those left behind with why.
    public internal(set) var sweepsCopied: [String] = []
    public internal(set) var sweepsLeftOut: [String] = []
    /// Totals over the runs copied.
    public internal(set) var metricPoints = 0
    public internal(set) var checkpoints = 0
    public internal(set) var blobBytes = 0
    public internal(set) var seconds = 0.0

    /// Nothing clashed and nothing failed: the destination holds every run asked for that has ended.
    public var isComplete: Bool { conflicts.isEmpty && failures.isEmpty }

    enum CodingKeys: String, CodingKey {
        case copied, alreadyPresent = "already_present", conflicts, skipped, failures, deletedLeftOut = "deleted_left_out"
        case modelVersionsCopied = "model_versions_copied", aliasesCopied = "aliases_copied"
        case sweepsCopied = "sweeps_copied", sweepsLeftOut = "sweeps_left_out"
        case metricPoints = "metric_points", checkpoints, blobBytes = "blob_bytes", seconds
    }
}
