import Foundation
import Store

/// A model version as the registry commands print it with `--json` and `/api/models/NAME` gives it.
public struct ModelVersionJSON: Encodable {
    public let model: String
    public let version: Int
    public let reference: String
    public let aliases: [String]
    public let tags: [String: String]
    public let runID: Int64?
    public let step: Int?
    public let weightsSHA256: String?
    /// For a version made through the MLflow API from files: where they are.
    public let source: String?
    public let dataset: String?
    public let datasetSHA256: String?
    public let testAccuracy: Double?
    public let description: String?
    public let created: Date
    public let createdBy: String
    public let createdHost: String

    enum CodingKeys: String, CodingKey {
        case model, version, reference, aliases, tags, runID = "run_id", step, weightsSHA256 = "weights_sha256", source, dataset
        case datasetSHA256 = "dataset_sha256", testAccuracy = "test_accuracy", description, created
        case createdBy = "created_by", createdHost = "created_host"
    }

    public init(_ version: ModelVersion) {
        model = version.modelName
        self.version = version.version
        reference = version.reference
        aliases = version.aliases
        tags = version.tags
        runID = version.runID
        step = version.step
        weightsSHA256 = version.weightsSHA256
        source = version.source
        dataset = version.datasetName
        datasetSHA256 = version.datasetSHA256
        testAccuracy = version.testAccuracy
        description = version.description
        created = version.createdAt
        createdBy = version.createdBy
        createdHost = version.createdHost
    }
}
