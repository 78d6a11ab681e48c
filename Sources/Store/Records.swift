import Foundation

/// The life-cycle state of a run.
public enum RunStatus: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case running, finished, failed, interrupted, crashed
}

/// A typed parameter value. Encodes to JSON as a plain number or string.
public enum ParamValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case int(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return value
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .real(value)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

/// What the caller knows about a run when it starts one. The store adds id, times, pid and host.
public struct NewRun: Sendable, Equatable {
    /// A unique name; nil lets the store pick a readable one such as `brisk-otter-42`.
    public var name: String?
    public var seed: Int64?
    public var targetSteps: Int
    public var datasetName: String?
    public var datasetSHA256: String?
    public var nnregVersion: String?
    public var parentRunID: Int64?
    public var parentStep: Int?
    public var notes: String?
    public var params: [String: ParamValue]
    public var tags: [String: String]

    public init(
        name: String? = nil, seed: Int64? = nil, targetSteps: Int, datasetName: String? = nil,
        datasetSHA256: String? = nil, nnregVersion: String? = nil, parentRunID: Int64? = nil,
        parentStep: Int? = nil, notes: String? = nil, params: [String: ParamValue] = [:],
        tags: [String: String] = [:]
    ) {
        self.name = name
        self.seed = seed
        self.targetSteps = targetSteps
        self.datasetName = datasetName
        self.datasetSHA256 = datasetSHA256
        self.nnregVersion = nnregVersion
        self.parentRunID = parentRunID
        self.parentStep = parentStep
        self.notes = notes
        self.params = params
        self.tags = tags
    }
}

/// A stored run.
public struct Run: Sendable, Equatable, Codable, Identifiable {
    public let id: Int64
    public let name: String
    public let status: RunStatus
    public let createdAt: Date
    public let startedAt: Date?
    public let endedAt: Date?
    public let heartbeatAt: Date?
    public let pid: Int32?
    public let host: String?
    public let seed: Int64?
    public let targetSteps: Int
    public let stepsDone: Int
    public let datasetName: String?
    public let datasetSHA256: String?
    public let nnregVersion: String?
    public let parentRunID: Int64?
    public let parentStep: Int?
    public let notes: String?
    /// When the run was soft-deleted (`nnreg delete`); nil for a visible run.
    public let deletedAt: Date?
}

/// One stored metric point.
public struct MetricPoint: Sendable, Equatable, Codable {
    public let step: Int
    public let value: Double
    public let wallTime: Date

    public init(step: Int, value: Double, wallTime: Date) {
        self.step = step
        self.value = value
        self.wallTime = wallTime
    }
}

/// A metric point to log in a batch (`Store.logMetrics(runID:samples:)`).
public struct MetricSample: Sendable, Equatable {
    public let key: String
    public let step: Int
    public let value: Double
    public let wallTime: Date

    public init(key: String, step: Int, value: Double, wallTime: Date) {
        self.key = key
        self.step = step
        self.value = value
        self.wallTime = wallTime
    }
}

/// A checkpoint's metadata, without its blobs.
public struct CheckpointInfo: Sendable, Equatable, Codable, Identifiable {
    public let id: Int64
    public let runID: Int64
    public let step: Int
    public let createdAt: Date
    public let weightsSize: Int
    public let weightsSHA256: String
    public let trainerStateSize: Int
    public let trainerStateSHA256: String
}

/// A checkpoint with its blobs, whose SHA-256 were verified when they were read.
public struct Checkpoint: Sendable, Equatable {
    public let info: CheckpointInfo
    public let weights: Data
    public let trainerState: Data
}

/// An evaluation to record, of the checkpoint of run `runID` at `step`.
public struct NewEvaluation: Sendable, Equatable {
    public var runID: Int64
    public var step: Int
    public var datasetName: String
    public var datasetSHA256: String
    /// `test`, `train`, … A run's test accuracy is its latest evaluation on split `test`.
    public var split: String
    public var accuracy: Double
    public var loss: Double?
    /// Per-class figures as JSON text (the CLI chooses the shape, e.g. `[{"class":0,"recall":…}]`).
    public var perClassJSON: String
    /// The confusion matrix as JSON text, e.g. `[[980,0,…],…]` (rows = true class).
    public var confusionJSON: String

    public init(
        runID: Int64, step: Int, datasetName: String, datasetSHA256: String, split: String,
        accuracy: Double, loss: Double? = nil, perClassJSON: String = "[]", confusionJSON: String = "[]"
    ) {
        self.runID = runID
        self.step = step
        self.datasetName = datasetName
        self.datasetSHA256 = datasetSHA256
        self.split = split
        self.accuracy = accuracy
        self.loss = loss
        self.perClassJSON = perClassJSON
        self.confusionJSON = confusionJSON
    }
}

/// A stored evaluation.
public struct Evaluation: Sendable, Equatable, Codable, Identifiable {
    public let id: Int64
    /// Nil once `gc --keep-last` has removed the checkpoint; the evaluation itself stays.
    public let checkpointID: Int64?
    public let runID: Int64
    public let step: Int
    public let datasetName: String
    public let datasetSHA256: String
    public let split: String
    public let accuracy: Double
    public let loss: Double?
    public let perClassJSON: String
    public let confusionJSON: String
    public let createdAt: Date
}

/// One row of `Store.listRuns`: a run with its latest figures, params and tags.
public struct RunSummary: Sendable, Equatable, Codable, Identifiable {
    public let id: Int64
    public let name: String
    public let status: RunStatus
    public let stepsDone: Int
    public let targetSteps: Int
    public let createdAt: Date
    public let startedAt: Date?
    public let endedAt: Date?
    /// Latest logged value of metric `loss`.
    public let loss: Double?
    /// Latest logged value of metric `accuracy` (training batch accuracy).
    public let accuracy: Double?
    /// The latest test-split evaluation of the run's latest checkpoint.
    public let testAccuracy: Double?
    public let params: [String: ParamValue]
    public let tags: [String: String]
}

/// A blob whose checksum does not match (`Store.verifyAllBlobs()`).
public struct CorruptBlob: Sendable, Equatable, Codable {
    public let runID: Int64
    public let step: Int
    /// `weights` or `trainer_state`.
    public let column: String
}

extension Run {
    /// The same run with another status (a read-only view of a run found dead).
    public func with(status: RunStatus) -> Run {
        Run(id: id, name: name, status: status, createdAt: createdAt, startedAt: startedAt, endedAt: endedAt,
            heartbeatAt: heartbeatAt, pid: pid, host: host, seed: seed, targetSteps: targetSteps, stepsDone: stepsDone,
            datasetName: datasetName, datasetSHA256: datasetSHA256, nnregVersion: nnregVersion, parentRunID: parentRunID,
            parentStep: parentStep, notes: notes, deletedAt: deletedAt)
    }
}

extension RunSummary {
    /// The same summary with these tags (a page that listed runs without tags adds its rows' own).
    public func with(tags: [String: String]) -> RunSummary {
        RunSummary(id: id, name: name, status: status, stepsDone: stepsDone, targetSteps: targetSteps, createdAt: createdAt,
                   startedAt: startedAt, endedAt: endedAt, loss: loss, accuracy: accuracy, testAccuracy: testAccuracy,
                   params: params, tags: tags)
    }

    /// The same summary with these latest figures (a page that listed runs without them adds its rows' own).
    public func with(loss: Double?, accuracy: Double?) -> RunSummary {
        RunSummary(id: id, name: name, status: status, stepsDone: stepsDone, targetSteps: targetSteps, createdAt: createdAt,
                   startedAt: startedAt, endedAt: endedAt, loss: loss, accuracy: accuracy, testAccuracy: testAccuracy,
                   params: params, tags: tags)
    }
}
