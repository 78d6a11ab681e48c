import Foundation
import NNRegTracking
import PostgresClient
import Store
import TestSupport

/// PostgreSQL figures (issue 11), against the throwaway server `make bench-postgres` starts
/// (scripts/with-postgres.sh, `NNREG_TEST_POSTGRES`): the Store figures on PostgreSQL, eight writer
/// processes logging through the tracking library at once, and copies of SQLite stores up to it.
func runPostgresBenchmarks(executable: String) throws {
    guard PostgresTestServer.adminURL != nil else {
        throw BenchmarkFailure("no PostgreSQL server: run it as 'make bench-postgres' (scripts/with-postgres.sh)")
    }
    var databases: [String] = []
    defer { databases.forEach(PostgresTestServer.dropDatabase) }
    try runStoreBenchmarks(
        prefix: "pg",
        location: { _ in
            let url = try PostgresTestServer.createDatabase()
            databases.append(url)
            return url
        },
        size: { url in
            let store = try Store(readingOnly: url)
            return try store.databaseSize()
        })

    // What the server does alone, same sitting: pg.batch_rows_server_points_per_s, a million points
    // inserted as rows of metrics by statements that make them on the server (100 of 10,000 rows, no
    // ON CONFLICT): the ceiling of a row per point, which migration 0007's chunks of arrays lift; and
    // pg.history_100k_server_ms, the history pg.history_100k_ms reads, read there by the same function
    // without being sent (`length(array_send(…))`).
    do {
        let url = try PostgresTestServer.createDatabase()
        databases.append(url)
        let store = try Store(path: url)
        let run = try store.createRun(NewRun(targetSteps: 100_000))
        let session = try PostgresSession(location: try PostgresLocation(url: url))
        _ = try session.query("SET synchronous_commit = off")
        var start = DispatchTime.now()
        for batch in 0..<100 {
            _ = try session.query("""
                INSERT INTO metrics (run_id, key_id, step, value, wall_time)
                SELECT \(run.id + 1 + Int64(batch)), k, s, 2.0 / s, 1.0 FROM generate_series(1, 2) AS k, generate_series(1, 5000) AS s
                """)
        }
        report("pg.batch_rows_server_points_per_s", 1_000_000 / seconds(since: start), "points/s")
        try store.logMetrics(
            runID: run.id,
            samples: (1...100_000).map { MetricSample(key: "loss", step: $0, value: 1 / Double($0), wallTime: Date()) })
        var best = Double.infinity
        for _ in 0..<6 {
            start = DispatchTime.now()
            _ = try session.query("""
                SELECT length(array_send(steps)), length(array_send(point_values)), length(array_send(wall_times))
                FROM nnreg_metric_arrays($1, 1, true)
                """, [.integer(run.id)])
            best = min(best, seconds(since: start))
        }
        report("pg.history_100k_server_ms", best * 1e3, "ms")
    }

    // pg.writers_points_per_s: 8 processes, each a run logging 2 metrics per step through
    // TrackedRun (which commits at least once a second) with a 64 KB checkpoint every 1,000 steps.
    let writersURL = try PostgresTestServer.createDatabase()
    databases.append(writersURL)
    _ = try Store(path: writersURL)
    let writers = 8, steps = 40_000
    let start = DispatchTime.now()
    let processes = try (0..<writers).map { index -> Process in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["pg-writer", writersURL, String(steps), "writer-\(index)"]
        try process.run()
        return process
    }
    for process in processes { process.waitUntilExit() }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let failed = processes.filter { $0.terminationStatus != 0 }.count
    let store = try Store(path: writersURL)
    let runs = try store.listRuns()
    let points = try runs.reduce(0) { $0 + (try store.metricHistory(runID: $1.id, key: "loss").count) * 2 }
    guard failed == 0, runs.count == writers, runs.allSatisfy({ $0.status == .finished }), points == writers * steps * 2
    else {
        throw BenchmarkFailure("writers: \(failed) failed, \(runs.count) runs, \(points) of \(writers * steps * 2) points")
    }
    report("pg.writers_points_per_s", Double(points) / elapsed, "points/s")
    report("pg.writers_errors", 0, "errors")

    // copy.pg.*: `nnreg copy` from SQLite files up to the server.
    try runCopyBenchmarks(prefix: "copy.pg") {
        let url = try PostgresTestServer.createDatabase()
        databases.append(url)
        return url
    }
}

/// One writer process of `pg.writers_points_per_s`: logs `steps` steps of 2 metrics as fast as it can.
func runPostgresWriter(url: String, steps: Int, name: String) throws {
    let run = try TrackedRun(storePath: url, name: name)
    let checkpoint = Data(repeating: 3, count: 64 * 1024)
    for step in 1...steps {
        run.log(["loss": 1 / Double(step), "accuracy": 0.5], step: step)
        if step % 1_000 == 0 { _ = try run.saveCheckpoint(step: step, weights: checkpoint) }
    }
    try run.finish(.finished)
}
