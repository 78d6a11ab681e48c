/// What a run holds, reduced to one SHA-256 per part, computed the same way in any store: keys
/// sorted in Swift (never by a backend's collation), rows in an order the copy keeps (steps,
/// chunk numbers, evaluation ids), ids of other rows replaced by what they stand for (the parent by
/// its uid, metric keys by name). Two stores hold the same run when every part is equal;
/// `copyRuns` skips such a run, and names the parts that differ when they do not.
///
/// Left out: the row id, `deleted_at` (a soft delete hides a run without changing it), the figures
/// kept for `list` (`test_accuracy`, `metric_latest`: they follow from the rest), and model versions
/// (copied, and compared, on their own).
struct RunContentDigest: Equatable {
    /// The run's row: uid, name, status, times, host, pid, seed, steps, dataset, version, parent
    /// (by uid) and parent step, notes, and the tracked command's columns.
    var run: String
    var params: String
    var tags: String
    /// Every point of every metric: key name, step, value, wall time, and the seq of a point after
    /// the first at its step (an integer after the wall time, where a point's step would be one
    /// followed by a real), so runs that differ only in how points share steps differ here.
    var metrics: String
    var metricPoints: Int
    /// Each checkpoint's step, time, and its blobs' SHA-256 and sizes.
    var checkpoints: String
    var checkpointCount: Int
    var evaluations: String
    /// The output chunks, as stored (compressed) and their sizes.
    var output: String
    var outputBytes: Int
    /// Each artifact's name, SHA-256, size and time.
    var artifacts: String

    /// The parts in which `destination` (the same run elsewhere) differs from this one, in words:
    /// `metrics (3000 points here, 2990 there)`.
    func differences(from destination: RunContentDigest) -> [String] {
        func counted(_ what: String, _ here: Int, _ there: Int, _ unit: String) -> String {
            here == there ? what : "\(what) (\(here) \(unit) here, \(there) there)"
        }
        var parts: [String] = []
        if run != destination.run { parts.append("run fields") }
        if params != destination.params { parts.append("params") }
        if tags != destination.tags { parts.append("tags") }
        if metrics != destination.metrics {
            parts.append(counted("metrics", metricPoints, destination.metricPoints, "points"))
        }
        if checkpoints != destination.checkpoints {
            parts.append(counted("checkpoints", checkpointCount, destination.checkpointCount, "checkpoints"))
        }
        if evaluations != destination.evaluations { parts.append("evaluations") }
        if output != destination.output { parts.append(counted("output", outputBytes, destination.outputBytes, "bytes")) }
        if artifacts != destination.artifacts { parts.append("artifacts") }
        return parts
    }
}
