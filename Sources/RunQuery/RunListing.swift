import Foundation
import Store

/// One run as `list --json` and `/api/runs` give it.
public struct RunListing: Encodable {
    let runID: Int64
    let name: String
    let status: String
    let stepsDone: Int
    let targetSteps: Int
    let loss: Double?
    let accuracy: Double?
    let testAccuracy: Double?
    let durationSeconds: Double?
    let created: Date
    let params: [String: ParamValue]
    let tags: [String: String]
    let experimentID: Int64

    public init(_ run: RunSummary, now: Date) {
        runID = run.id
        name = run.name
        status = run.status.rawValue
        stepsDone = run.stepsDone
        targetSteps = run.targetSteps
        loss = run.loss
        accuracy = run.accuracy
        testAccuracy = run.testAccuracy
        durationSeconds = RunFields.duration(of: run, now: now)
        created = run.createdAt
        params = run.params
        tags = run.tags
        experimentID = run.experimentID
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", name, status, stepsDone = "steps_done", targetSteps = "target_steps", loss, accuracy
        case testAccuracy = "test_accuracy", durationSeconds = "duration_s", created, params, tags
        case experimentID = "experiment_id"
    }
}
