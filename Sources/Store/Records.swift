import Foundation

/// The life-cycle state of a run.
public enum RunStatus: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case running, finished, failed, interrupted, crashed
    /// Stopped early by a sweep's pruner, with a checkpoint to continue from.
    case pruned
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
    /// The seed of the run's random generator, if it has one.
    public var seed: Int64?
    /// Steps the run means to do (0 when unknown, as for a tracked program).
    public var targetSteps: Int
    /// The dataset's name (`mnist`), if the run trains on one.
    public var datasetName: String?
    /// The SHA-256 identifying the dataset's files.
    public var datasetSHA256: String?
    /// The nnreg version that recorded the run.
    public var nnregVersion: String?
    /// The run this one was forked from.
    public var parentRunID: Int64?
    /// The parent's step this run started from.
    public var parentStep: Int?
    /// Free text.
    public var notes: String?
    /// Hyperparameters, typed.
    public var params: [String: ParamValue]
    /// Free key-value labels.
    public var tags: [String: String]
    /// The command line of a program nnreg tracks (`nnreg track`), nil for a run nnreg trains itself.
    public var command: [String]?
    /// The directory the tracked command ran in.
    public var workingDirectory: String?
    /// The experiment the run joins (0 is `Default`).
    public var experimentID: Int64 = 0
    /// Who makes the run through the MLflow API.
    public var userID: String?
    /// Take `name` as given (MLflow's names may hold any text); otherwise it must be a valid nnreg
    /// run name (`StoreError.invalidRunName`).
    public var isNameFree = false
    /// When the run started, if not now (the MLflow client sends its own start time).
    public var startedAt: Date?
    /// The run is this process's: its pid and host are recorded, and it counts as crashed when they
    /// stop beating. False for a run a client owns through the MLflow API (no process nnreg knows).
    public var isOwnedByThisProcess = true

    /// Makes a `NewRun` from its parts.
    public init(
        name: String? = nil, seed: Int64? = nil, targetSteps: Int, datasetName: String? = nil,
        datasetSHA256: String? = nil, nnregVersion: String? = nil, parentRunID: Int64? = nil,
        parentStep: Int? = nil, notes: String? = nil, params: [String: ParamValue] = [:],
        tags: [String: String] = [:], command: [String]? = nil, workingDirectory: String? = nil
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
        self.command = command
        self.workingDirectory = workingDirectory
    }
}

/// How a tracked program (`nnreg track -- COMMAND`) was run, and how it ended.
public struct TrackedCommand: Sendable, Equatable, Codable {
    /// The command line, program first.
    public let arguments: [String]
    /// The directory the command ran in.
    public let workingDirectory: String?
    /// The commit checked out in the git work tree the command ran in, if it ran in one.
    public let gitCommit: String?
    /// Whether that work tree had uncommitted changes.
    public let isGitDirty: Bool?
    /// The exit status (128 + N when signal N ended the program, as shells report it); nil while running.
    public let exitCode: Int32?

    /// Makes a `TrackedCommand` from its parts.
    public init(arguments: [String], workingDirectory: String?, gitCommit: String?, isGitDirty: Bool?, exitCode: Int32?) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.gitCommit = gitCommit
        self.isGitDirty = isGitDirty
        self.exitCode = exitCode
    }
}

/// A stored run.
public struct Run: Sendable, Equatable, Codable, Identifiable {
    /// The run's number in the store.
    public let id: Int64
    /// The run's unique name.
    public let name: String
    /// running, finished, failed, interrupted or crashed.
    public let status: RunStatus
    /// When the run was recorded.
    public let createdAt: Date
    /// When its process started (or last resumed) it.
    public let startedAt: Date?
    /// When it ended; nil while running.
    public let endedAt: Date?
    /// The last sign of life of its process.
    public let heartbeatAt: Date?
    /// The process id of its owner on `host`.
    public let pid: Int32?
    /// The machine its owner runs on.
    public let host: String?
    /// The seed of its random generator.
    public let seed: Int64?
    /// Steps it means to do (0 when unknown).
    public let targetSteps: Int
    /// Steps done (for a tracked program, its highest step).
    public let stepsDone: Int
    /// The dataset's name.
    public let datasetName: String?
    /// The SHA-256 identifying the dataset's files.
    public let datasetSHA256: String?
    /// The nnreg version that recorded it.
    public let nnregVersion: String?
    /// The run it was forked from.
    public let parentRunID: Int64?
    /// The parent's step it started from.
    public let parentStep: Int?
    /// Free text.
    public let notes: String?
    /// When the run was soft-deleted (`nnreg delete`); nil for a visible run.
    public let deletedAt: Date?
    /// The program nnreg tracked for this run; nil for a run nnreg trained itself.
    public let command: TrackedCommand?
    /// The run's identity in every store it is copied to (32 random lowercase hex digits): ids
    /// differ between stores and names may clash, so `copyRuns` matches runs by this. MLflow's
    /// `run_id`.
    public let uid: String
    /// The experiment the run belongs to (0 is `Default`).
    public var experimentID: Int64 = 0
    /// Who made the run through the MLflow API (its `user_id`); nil for runs nnreg made.
    public var userID: String? = nil
}

/// One stored metric point.
public struct MetricPoint: Sendable, Equatable, Codable {
    /// The step the value belongs to.
    public let step: Int
    /// The value.
    public let value: Double
    /// When it was logged.
    public let wallTime: Date

    /// Makes a `MetricPoint` from its parts.
    public init(step: Int, value: Double, wallTime: Date) {
        self.step = step
        self.value = value
        self.wallTime = wallTime
    }
}

/// A metric point to log in a batch (`Store.logMetrics(runID:samples:)`).
public struct MetricSample: Sendable, Equatable {
    /// The metric's name.
    public let key: String
    /// The step the value belongs to.
    public let step: Int
    /// The value (finite).
    public let value: Double
    /// When it was logged.
    public let wallTime: Date

    /// Makes a `MetricSample` from its parts.
    public init(key: String, step: Int, value: Double, wallTime: Date) {
        self.key = key
        self.step = step
        self.value = value
        self.wallTime = wallTime
    }
}

/// A checkpoint's metadata, without its blobs.
public struct CheckpointInfo: Sendable, Equatable, Codable, Identifiable {
    /// The checkpoint's number in the store.
    public let id: Int64
    /// Its run.
    public let runID: Int64
    /// The step it was saved at.
    public let step: Int
    /// When it was saved.
    public let createdAt: Date
    /// Size of the weights blob in bytes.
    public let weightsSize: Int
    /// SHA-256 of the weights blob.
    public let weightsSHA256: String
    /// Size of the trainer-state blob in bytes.
    public let trainerStateSize: Int
    /// SHA-256 of the trainer-state blob.
    public let trainerStateSHA256: String
}

/// A checkpoint with its blobs, whose SHA-256 were verified when they were read.
public struct Checkpoint: Sendable, Equatable {
    /// Its metadata.
    public let info: CheckpointInfo
    /// The network's weights, as the trainer serialized them.
    public let weights: Data
    /// The trainer's state for an exact resume (empty for weights-only checkpoints).
    public let trainerState: Data
}

/// An evaluation to record, of the checkpoint of run `runID` at `step`.
public struct NewEvaluation: Sendable, Equatable {
    /// The run whose checkpoint was evaluated.
    public var runID: Int64
    /// The checkpoint's step.
    public var step: Int
    /// The dataset evaluated on.
    public var datasetName: String
    /// The SHA-256 identifying that dataset's files.
    public var datasetSHA256: String
    /// `test`, `train`, … A run's test accuracy is its latest evaluation on split `test`.
    public var split: String
    /// Fraction of examples classified right.
    public var accuracy: Double
    /// Mean loss, when computed.
    public var loss: Double?
    /// Per-class figures as JSON text (the CLI chooses the shape, e.g. `[{"class":0,"recall":…}]`).
    public var perClassJSON: String
    /// The confusion matrix as JSON text, e.g. `[[980,0,…],…]` (rows = true class).
    public var confusionJSON: String

    /// Makes a `NewEvaluation` from its parts.
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
    /// The evaluation's number in the store.
    public let id: Int64
    /// Nil once `gc --keep-last` has removed the checkpoint; the evaluation itself stays.
    public let checkpointID: Int64?
    /// The run evaluated.
    public let runID: Int64
    /// The step of the checkpoint evaluated.
    public let step: Int
    /// The dataset evaluated on.
    public let datasetName: String
    /// The SHA-256 identifying that dataset's files.
    public let datasetSHA256: String
    /// `test`, `train`, …
    public let split: String
    /// Fraction of examples classified right.
    public let accuracy: Double
    /// Mean loss, when computed.
    public let loss: Double?
    /// Per-class figures as JSON text.
    public let perClassJSON: String
    /// The confusion matrix as JSON text (rows = true class).
    public let confusionJSON: String
    /// When it was recorded.
    public let createdAt: Date
}

/// One row of `Store.listRuns`: a run with its latest figures, params and tags.
public struct RunSummary: Sendable, Equatable, Codable, Identifiable {
    /// The run's number.
    public let id: Int64
    /// The run's name.
    public let name: String
    /// Its status (dead `running` runs show as crashed).
    public let status: RunStatus
    /// Steps done.
    public let stepsDone: Int
    /// Steps it means to do (0 when unknown).
    public let targetSteps: Int
    /// When it was recorded.
    public let createdAt: Date
    /// When it started.
    public let startedAt: Date?
    /// When it ended.
    public let endedAt: Date?
    /// Latest logged value of metric `loss`.
    public let loss: Double?
    /// Latest logged value of metric `accuracy` (training batch accuracy).
    public let accuracy: Double?
    /// The latest test-split evaluation of the run's latest checkpoint; for a run with none (a tracked
    /// program), the last value of its metric `test_accuracy`.
    public let testAccuracy: Double?
    /// Its params (only those asked for).
    public let params: [String: ParamValue]
    /// Its tags (when asked for).
    public let tags: [String: String]
    /// The experiment it belongs to (0 is `Default`).
    public let experimentID: Int64
}

/// A blob whose checksum does not match (`Store.verifyAllBlobs()`).
public struct CorruptBlob: Sendable, Equatable, Codable {
    /// The run of the checkpoint whose blob is bad.
    public let runID: Int64
    /// That checkpoint's step.
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
            parentStep: parentStep, notes: notes, deletedAt: deletedAt, command: command, uid: uid,
            experimentID: experimentID, userID: userID)
    }
}

extension RunSummary {
    /// The same summary with these tags (a page that listed runs without tags adds its rows' own).
    public func with(tags: [String: String]) -> RunSummary {
        RunSummary(id: id, name: name, status: status, stepsDone: stepsDone, targetSteps: targetSteps, createdAt: createdAt,
                   startedAt: startedAt, endedAt: endedAt, loss: loss, accuracy: accuracy, testAccuracy: testAccuracy,
                   params: params, tags: tags, experimentID: experimentID)
    }

    /// The same summary with these latest figures (a page that listed runs without them adds its rows' own).
    public func with(loss: Double?, accuracy: Double?) -> RunSummary {
        RunSummary(id: id, name: name, status: status, stepsDone: stepsDone, targetSteps: targetSteps, createdAt: createdAt,
                   startedAt: startedAt, endedAt: endedAt, loss: loss, accuracy: accuracy, testAccuracy: testAccuracy,
                   params: params, tags: tags, experimentID: experimentID)
    }
}
