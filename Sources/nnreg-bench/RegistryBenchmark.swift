import Foundation
import Store

/// The registry's figures (issue 8), through the built `nnreg` beside this binary on real data:
/// bytes one seed run adds (the first schema's layout, content addressed, after gc --keep-last 1),
/// the fraction of 100 deleted runs' bytes gc returns, resolving and verifying NAME@ALIAS, and export.
func runRegistryBenchmarks(dataDirectory: String) throws {
    let binary = try nnregBinary()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-registry-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }

    // One seed run (3000 steps, a checkpoint every 500) into an empty store.
    let store = folder + "/seed.sqlite"
    try runQuietly(binary, ["train", "--db", store, "--data", dataDirectory, "--predictions", "0", "--name", "seed-1"])
    let empty = folder + "/empty.sqlite"
    _ = try Store(path: empty)
    let emptyBytes = try fileSize(afterCheckpointing: empty)
    let contentAddressed = try fileSize(afterCheckpointing: store) - emptyBytes
    let firstSchema = try firstSchemaCopy(of: store, in: folder) - (try firstSchemaEmptySize(in: folder))
    report("registry.store_bytes_per_run_first_schema", Double(firstSchema), "bytes")
    report("registry.store_bytes_per_run", Double(contentAddressed), "bytes")

    try runQuietly(binary, ["model", "register", "mnist", "seed-1", "--alias", "champion", "--db", store])
    report("registry.resolve_ms", try medianLaunch(binary, ["model", "resolve", "mnist@champion", "--db", store]) * 1e3, "ms")
    report("registry.export_ms", try medianLaunch(binary, ["export", "mnist@champion", "-o", folder + "/m.safetensors", "--db", store]) * 1e3, "ms")
    report("registry.export_onnx_ms", try medianLaunch(binary, ["export", "mnist@champion", "-o", folder + "/m.onnx", "--db", store]) * 1e3, "ms")

    try runQuietly(binary, ["gc", "--keep-last", "1", "--db", store])
    report("registry.store_bytes_per_run_keep_last_1", Double(try fileSize(store) - emptyBytes), "bytes")

    // 100 short runs deleted and collected: the fraction of their bytes that goes back to the file system.
    let crowded = folder + "/crowded.sqlite"
    try runQuietly(binary, ["train", "--db", crowded, "--data", dataDirectory, "--steps", "100", "--predictions", "0", "--name", "kept"])
    let baseline = try fileSize(afterCheckpointing: crowded)
    var names: [String] = []
    for index in 0..<100 {
        names.append("gone-\(index)")
        try runQuietly(binary, ["train", "--db", crowded, "--data", dataDirectory, "--steps", "50", "--checkpoint-every", "25",
                                "--display-step", "10", "--seed", String(index + 2), "--predictions", "0", "--name", names.last!])
    }
    let full = try fileSize(afterCheckpointing: crowded)
    try runQuietly(binary, ["delete", "--db", crowded] + names)
    try runQuietly(binary, ["gc", "--db", crowded])
    let after = try fileSize(crowded)
    report("registry.deleted_runs_bytes", Double(full - baseline), "bytes")
    report("registry.gc_freed_fraction", Double(full - after) / Double(full - baseline), "")
}

/// The same rows in the first schema's layout (migrations/0001 only): each checkpoint row holding
/// its weights and a trainer state that embedded the weights again, as nnreg stored them before.
private func firstSchemaCopy(of store: String, in folder: String) throws -> Int {
    let copy = folder + "/first-schema.sqlite"
    try sqlite3(copy, try String(contentsOfFile: "migrations/0001_initial.sql", encoding: .utf8) + """
        ATTACH '\(store)' AS new;
        INSERT INTO runs SELECT id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
            steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes FROM new.runs;
        INSERT INTO params SELECT * FROM new.params;
        INSERT INTO tags SELECT * FROM new.tags;
        INSERT INTO metric_keys SELECT * FROM new.metric_keys;
        INSERT INTO metrics SELECT * FROM new.metrics;
        INSERT INTO checkpoints SELECT c.id, c.run_id, c.step, c.created_at, c.weights_size, c.weights_sha256,
            c.trainer_state_size + c.weights_size - 60, c.trainer_state_sha256, w.data,
            CAST(substr(s.data, 1, length(s.data) - 72) || zeroblob(8) || w.data || zeroblob(4) AS BLOB)
            FROM new.checkpoints c JOIN new.blobs w ON w.sha256 = c.weights_sha256 JOIN new.blobs s ON s.sha256 = c.trainer_state_sha256;
        INSERT INTO evaluations SELECT id, checkpoint_id, dataset_name, dataset_sha256, split, accuracy, loss, per_class, confusion,
            created_at FROM new.evaluations;
        """)
    return try fileSize(afterCheckpointing: copy)
}

private func firstSchemaEmptySize(in folder: String) throws -> Int {
    let path = folder + "/first-schema-empty.sqlite"
    try sqlite3(path, try String(contentsOfFile: "migrations/0001_initial.sql", encoding: .utf8))
    return try fileSize(afterCheckpointing: path)
}

private func sqlite3(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path]
    let input = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    input.fileHandleForWriting.write(Data(("PRAGMA journal_mode = WAL;\n" + sql + "\n").utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchmarkError("sqlite3 failed building \(path)") }
}

private func fileSize(afterCheckpointing path: String) throws -> Int {
    try sqlite3(path, "PRAGMA wal_checkpoint(TRUNCATE);")
    return try fileSize(path)
}

private func fileSize(_ path: String) throws -> Int {
    try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
}
