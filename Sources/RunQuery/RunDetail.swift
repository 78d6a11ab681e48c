import Foundation
import Store

/// A run in full, as `show --json` and `/api/runs/ID` give it.
public struct RunDetail: Encodable {
    let run: Run
    let params: [String: ParamValue]
    let tags: [String: String]
    let metrics: [String: [MetricPoint]]
    let checkpoints: [CheckpointInfo]
    let evaluations: [Evaluation]
    let parentName: String?
    let forks: [Run]
    let modelVersions: [ModelVersion]
    let artifacts: [ArtifactInfo]
    let outputBytes: Int
    /// The name of the run's experiment, when the caller read it.
    let experimentName: String?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", uid, name, status, stepsDone = "steps_done", targetSteps = "target_steps", seed
        case created, started, ended, heartbeat, pid, host, dataset, nnregVersion = "nnreg_version", notes
        case parent, forks, params, tags, metrics, checkpoints, evaluations, deleted
        case modelVersions = "model_versions"
        case command, artifacts, outputBytes = "output_bytes"
        case experimentID = "experiment_id", experiment
    }
    struct CommandEntry: Encodable {
        let arguments: [String]; let cwd: String?; let gitCommit: String?; let gitDirty: Bool?; let exitCode: Int32?
        enum CodingKeys: String, CodingKey { case arguments, cwd, gitCommit = "git_commit", gitDirty = "git_dirty", exitCode = "exit_code" }
    }
    struct VersionEntry: Encodable {
        let model: String; let version: Int; let step: Int?; let aliases: [String]; let weightsSHA256: String?; let source: String?
        enum CodingKeys: String, CodingKey { case model, version, step, aliases, weightsSHA256 = "weights_sha256", source }
    }

    struct Parent: Encodable { let runID: Int64; let name: String?; let step: Int?
        enum CodingKeys: String, CodingKey { case runID = "run_id", name, step } }
    struct DatasetInfo: Encodable { let name: String?; let sha256: String? }
    struct CheckpointEntry: Encodable {
        let step: Int; let sha256: String; let size: Int; let trainerStateSHA256: String; let trainerStateSize: Int; let created: Date
        enum CodingKeys: String, CodingKey {
            case step, sha256, size, trainerStateSHA256 = "trainer_state_sha256", trainerStateSize = "trainer_state_size", created
        }
    }
    struct EvaluationEntry: Encodable {
        let step: Int; let split: String; let dataset: DatasetInfo; let accuracy: Double; let loss: Double?
        let perClass: JSONFragment; let confusion: JSONFragment; let created: Date
        enum CodingKeys: String, CodingKey { case step, split, dataset, accuracy, loss, perClass = "per_class", confusion, created }
    }

    public init(
        run: Run, params: [String: ParamValue], tags: [String: String], metrics: [String: [MetricPoint]],
        checkpoints: [CheckpointInfo], evaluations: [Evaluation], parentName: String?, forks: [Run], modelVersions: [ModelVersion],
        artifacts: [ArtifactInfo] = [], outputBytes: Int = 0, experimentName: String? = nil
    ) {
        self.artifacts = artifacts; self.outputBytes = outputBytes; self.experimentName = experimentName
        self.run = run; self.params = params; self.tags = tags; self.metrics = metrics; self.checkpoints = checkpoints
        self.evaluations = evaluations; self.parentName = parentName; self.forks = forks; self.modelVersions = modelVersions
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run.id, forKey: .runID)
        try container.encode(run.uid, forKey: .uid)
        try container.encode(run.name, forKey: .name)
        try container.encode(run.status.rawValue, forKey: .status)
        try container.encode(run.stepsDone, forKey: .stepsDone)
        try container.encode(run.targetSteps, forKey: .targetSteps)
        try container.encode(run.experimentID, forKey: .experimentID)
        try container.encodeIfPresent(experimentName, forKey: .experiment)
        try container.encodeIfPresent(run.seed, forKey: .seed)
        try container.encode(run.createdAt, forKey: .created)
        try container.encodeIfPresent(run.startedAt, forKey: .started)
        try container.encodeIfPresent(run.endedAt, forKey: .ended)
        try container.encodeIfPresent(run.heartbeatAt, forKey: .heartbeat)
        try container.encodeIfPresent(run.pid, forKey: .pid)
        try container.encodeIfPresent(run.host, forKey: .host)
        try container.encode(DatasetInfo(name: run.datasetName, sha256: run.datasetSHA256), forKey: .dataset)
        try container.encodeIfPresent(run.nnregVersion, forKey: .nnregVersion)
        try container.encodeIfPresent(run.notes, forKey: .notes)
        try container.encodeIfPresent(run.deletedAt, forKey: .deleted)
        if let command = run.command {
            try container.encode(CommandEntry(
                arguments: command.arguments, cwd: command.workingDirectory, gitCommit: command.gitCommit,
                gitDirty: command.isGitDirty, exitCode: command.exitCode), forKey: .command)
            try container.encode(outputBytes, forKey: .outputBytes)
        }
        try container.encode(artifacts, forKey: .artifacts)
        try container.encode(modelVersions.map {
            VersionEntry(
                model: $0.modelName, version: $0.version, step: $0.step, aliases: $0.aliases, weightsSHA256: $0.weightsSHA256,
                source: $0.source)
        }, forKey: .modelVersions)
        if let parentID = run.parentRunID {
            try container.encode(Parent(runID: parentID, name: parentName, step: run.parentStep), forKey: .parent)
        }
        try container.encode(forks.map { Parent(runID: $0.id, name: $0.name, step: $0.parentStep) }, forKey: .forks)
        try container.encode(params, forKey: .params)
        try container.encode(tags, forKey: .tags)
        try container.encode(metrics.mapValues { $0.map { [Double($0.step), $0.value] } }, forKey: .metrics)
        try container.encode(checkpoints.map {
            CheckpointEntry(step: $0.step, sha256: $0.weightsSHA256, size: $0.weightsSize,
                            trainerStateSHA256: $0.trainerStateSHA256, trainerStateSize: $0.trainerStateSize, created: $0.createdAt)
        }, forKey: .checkpoints)
        try container.encode(evaluations.map {
            EvaluationEntry(step: $0.step, split: $0.split, dataset: DatasetInfo(name: $0.datasetName, sha256: $0.datasetSHA256),
                            accuracy: $0.accuracy, loss: $0.loss, perClass: JSONFragment($0.perClassJSON),
                            confusion: JSONFragment($0.confusionJSON), created: $0.createdAt)
        }, forKey: .evaluations)
    }
}

/// JSON text stored in the database, re-emitted as structure rather than as a string.
public struct JSONFragment: Encodable {
    let value: JSONValue
    public init(_ text: String) { value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null }
    public func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

public indirect enum JSONValue: Codable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
