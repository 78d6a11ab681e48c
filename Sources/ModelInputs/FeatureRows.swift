import Trainer

/// Rows of features ready for a network: row-major values of a fixed width, as bytes (images,
/// uint8 arrays: a feature is byte / 255) or floats.
public struct FeatureRows: Sendable {
    public let split: Split
    /// What each row is called in output: `photo.png`, `rows.csv line 3`, `x.npy[5]`.
    public let names: [String]

    public init(split: Split, names: [String]) {
        precondition(names.count == split.count, "feature rows: \(names.count) names for \(split.count) rows")
        self.split = split
        self.names = names
    }

    public var count: Int { split.count }
    public var width: Int { split.features }

    /// Rows of floats without labels.
    static func floats(_ values: [Float], rows: Int, width: Int, names: [String]) -> FeatureRows {
        FeatureRows(split: Split(count: rows, features: width, floats: values, labels: [UInt8](repeating: 0, count: rows)), names: names)
    }
}
