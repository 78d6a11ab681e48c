import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Store {
    static let runColumns = """
        id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
        steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes, deleted_at,
        command, cwd, git_commit, git_dirty, exit_code, uid, experiment_id, user_id
        """

    static func readRun(_ s: Statement) -> Run {
        Run(
            id: s.int64(at: 0), name: s.string(at: 1), status: RunStatus(rawValue: s.string(at: 2)) ?? .crashed,
            createdAt: s.date(at: 3), startedAt: s.optionalDate(at: 4), endedAt: s.optionalDate(at: 5),
            heartbeatAt: s.optionalDate(at: 6), pid: s.optionalInt64(at: 7).map { Int32(truncatingIfNeeded: $0) },
            host: s.optionalString(at: 8), seed: s.optionalInt64(at: 9), targetSteps: s.int(at: 10),
            stepsDone: s.int(at: 11), datasetName: s.optionalString(at: 12),
            datasetSHA256: s.optionalString(at: 13), nnregVersion: s.optionalString(at: 14),
            parentRunID: s.optionalInt64(at: 15), parentStep: s.optionalInt(at: 16), notes: s.optionalString(at: 17),
            deletedAt: s.optionalDate(at: 18), command: readCommand(s, at: 19), uid: s.optionalString(at: 24) ?? "",
            experimentID: s.int64(at: 25), userID: s.optionalString(at: 26))
    }

    /// The tracked command in columns `at`…`at + 4` (command, cwd, git_commit, git_dirty, exit_code).
    static func readCommand(_ s: Statement, at column: Int32) -> TrackedCommand? {
        guard let json = s.optionalString(at: column),
              let arguments = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return nil }
        return TrackedCommand(
            arguments: arguments, workingDirectory: s.optionalString(at: column + 1),
            gitCommit: s.optionalString(at: column + 2), isGitDirty: s.optionalInt64(at: column + 3).map { $0 != 0 },
            exitCode: s.optionalInt64(at: column + 4).map { Int32(truncatingIfNeeded: $0) })
    }

    /// This machine's host name, recorded with the pid of a running run; `NNREG_HOST` overrides it
    /// (machines or containers that share a name must be told apart: a pid means something only on
    /// its own host).
    public static let hostName: String = {
        let given = ProcessInfo.processInfo.environment["NNREG_HOST"] ?? ""
        return given.isEmpty ? ProcessInfo.processInfo.hostName : given
    }()

    /// How long a `running` run on another host may go without a heartbeat before it counts as
    /// crashed: 60 s, or `NNREG_HEARTBEAT_TIMEOUT` seconds (trainers beat at least every 5 s).
    public static let heartbeatTimeout: TimeInterval =
        ProcessInfo.processInfo.environment["NNREG_HEARTBEAT_TIMEOUT"].flatMap(TimeInterval.init).flatMap { $0 > 0 ? $0 : nil } ?? 60

    /// Creates a `running` run owned by this process (pid and host recorded, heartbeat now), with its
    /// params and tags, in one transaction. Picks a readable name when `newRun.name` is nil; names
    /// need not be unique (a run's identity is its uid).
    @discardableResult
    public func createRun(_ newRun: NewRun) throws -> Run {
        if let name = newRun.name, !(newRun.isNameFree ? !name.isEmpty : RunNames.isValid(name)) {
            throw StoreError.invalidRunName(name)
        }
        return try inTransaction {
            try requireExperiment(newRun.experimentID)
            var name = newRun.name ?? RunNames.random()
            if newRun.name == nil {
                var attempts = 0
                while try runID(named: name) != nil {
                    attempts += 1
                    name = attempts < 20 ? RunNames.random() : "\(RunNames.random())-\(attempts)"
                }
            }
            let now = Date()
            let insert = try database.cachedStatement(
                sql: """
                    INSERT INTO runs (name, status, created_at, started_at, heartbeat_at, pid, host, seed,
                        target_steps, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes,
                        command, cwd, uid, experiment_id, user_id)
                    VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """)
            try insert.bind(name, at: 1)
            try insert.bind(newRun.startedAt ?? now, at: 2)
            try insert.bind(newRun.startedAt ?? now, at: 3)
            try insert.bind(now, at: 4)
            try insert.bind(newRun.isOwnedByThisProcess ? Int64(getpid()) : nil, at: 5)
            try insert.bind(newRun.isOwnedByThisProcess ? Self.hostName : nil, at: 6)
            try insert.bind(newRun.seed, at: 7)
            try insert.bind(newRun.targetSteps, at: 8)
            try insert.bind(newRun.datasetName, at: 9)
            try insert.bind(newRun.datasetSHA256, at: 10)
            try insert.bind(newRun.nnregVersion, at: 11)
            try insert.bind(newRun.parentRunID, at: 12)
            try insert.bind(newRun.parentStep, at: 13)
            try insert.bind(newRun.notes, at: 14)
            let command = try newRun.command.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try insert.bind(command, at: 15)
            try insert.bind(newRun.workingDirectory, at: 16)
            try insert.bind(Self.makeRunUID(), at: 17)
            try insert.bind(newRun.experimentID, at: 18)
            try insert.bind(newRun.userID, at: 19)
            let id = try insertedID(insert)
            try setParams(newRun.params, runID: id)
            try addTags(newRun.tags, runID: id)
            return try run(id: id)
        }
    }

    /// A fresh run uid: 16 bytes from the system's secure generator as 32 lowercase hex digits, so
    /// runs made in different stores (or on different machines) never share one.
    static func makeRunUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(32)
        for _ in 0..<16 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The id of the run with this uid, if this store has it.
    func runID(uid: String) throws -> Int64? {
        let statement = try database.cachedStatement(sql: "SELECT id FROM runs WHERE uid = ?")
        try statement.bind(uid, at: 1)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(at: 0) : nil
    }

    func runID(named name: String) throws -> Int64? {
        let statement = try database.cachedStatement(sql: "SELECT id FROM runs WHERE name = ?")
        try statement.bind(name, at: 1)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(at: 0) : nil
    }

    /// The run with this id; throws `StoreError.runNotFound` if there is none.
    public func run(id: Int64) throws -> Run {
        let statement = try database.cachedStatement(sql: "SELECT \(Self.runColumns) FROM runs WHERE id = ?")
        try statement.bind(id, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw StoreError.runNotFound(String(id)) }
        return Self.readRun(statement)
    }

    /// The run named by `reference`: a numeric id, a name, a uid, or a uid's prefix of 8 or more hex
    /// digits. Throws `StoreError.runNotFound`, or `StoreError.ambiguousRunName` (listing the runs'
    /// uids and start times) when a name or prefix means several runs.
    public func run(reference: String) throws -> Run {
        if let id = Int64(reference), let run = try? run(id: id) { return run }
        let named = try runs(sql: "SELECT \(Self.runColumns) FROM runs WHERE name = ? ORDER BY id LIMIT 11", reference)
        if named.count == 1 { return named[0] }
        if named.count > 1 { throw StoreError.ambiguousRunName(reference, runs: named.map(Self.ambiguityEntry)) }
        let hex = reference.lowercased()
        if hex.count >= 8, hex.count <= 32, hex.allSatisfy(\.isHexDigit) {
            // A prefix range on the uid index: uid >= prefix AND uid < prefix followed by 'g'.
            let matches = try runs(
                sql: "SELECT \(Self.runColumns) FROM runs WHERE uid >= ? AND uid < ? ORDER BY id LIMIT 11", hex, hex + "g")
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw StoreError.ambiguousRunName(reference, runs: matches.map(Self.ambiguityEntry)) }
        }
        throw StoreError.runNotFound(reference)
    }

    /// `UID (started 2026-12-06 20:15:02)`: a run as an ambiguity error lists it.
    static func ambiguityEntry(_ run: Run) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return "\(run.uid) (started \(formatter.string(from: run.startedAt ?? run.createdAt)))"
    }

    /// The run whose uid is `uid` (MLflow's `run_id`). Throws `StoreError.runNotFound`.
    public func run(uid: String) throws -> Run {
        guard let id = try runID(uid: uid) else { throw StoreError.runNotFound(uid) }
        return try run(id: id)
    }

    /// Runs a query of `runColumns` with text arguments.
    func runs(sql: String, _ arguments: String...) throws -> [Run] {
        let statement = try database.cachedStatement(sql: sql)
        for (index, argument) in arguments.enumerated() { try statement.bind(argument, at: Int32(index + 1)) }
        defer { statement.reset() }
        var found: [Run] = []
        while try statement.step() { found.append(Self.readRun(statement)) }
        return found
    }

    /// Gives a run another name (names need not be unique).
    public func renameRun(id: Int64, to name: String) throws {
        guard !name.isEmpty else { throw StoreError.invalidRunName(name) }
        try inTransaction {
            let statement = try database.cachedStatement(sql: "UPDATE runs SET name = ? WHERE id = ?")
            try statement.bind(name, at: 1)
            try statement.bind(id, at: 2)
            try statement.execute()
            if database.changesCount == 0 { throw StoreError.runNotFound(String(id)) }
        }
    }

    /// Removes a tag of a run; throws `StoreError.tagNotFound` when the run has no such tag.
    public func deleteTag(_ key: String, runID: Int64) throws {
        try inTransaction {
            let statement = try database.cachedStatement(sql: "DELETE FROM tags WHERE run_id = ? AND key = ?")
            try statement.bind(runID, at: 1)
            try statement.bind(key, at: 2)
            try statement.execute()
            if database.changesCount == 0 { throw StoreError.tagNotFound(key: key) }
        }
    }

    /// Sets (inserts or replaces) params of a run.
    public func setParams(_ params: [String: ParamValue], runID: Int64) throws {
        guard !params.isEmpty else { return }
        try inTransaction {
            let statement = try database.cachedStatement(
                sql: "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?) "
                    + "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value")
            for (key, value) in params.sorted(by: { $0.key < $1.key }) {
                try statement.bind(runID, at: 1)
                try statement.bind(key, at: 2)
                try Self.bindParam(value, statement, at: 3)
                try statement.execute()
            }
        }
    }

    /// Adds (or replaces) tags of a run.
    public func addTags(_ tags: [String: String], runID: Int64) throws {
        guard !tags.isEmpty else { return }
        try inTransaction {
            let statement = try database.cachedStatement(
                sql: "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) "
                    + "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value")
            for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
                try statement.bind(runID, at: 1)
                try statement.bind(key, at: 2)
                try statement.bind(value, at: 3)
                try statement.execute()
            }
        }
    }

    /// Binds a param with its type: SQLite keeps the type in the column (`ANY`); PostgreSQL stores
    /// typed text (see migrations/postgresql/0001_initial.sql) that `readParam` reads back exactly.
    static func bindParam(_ value: ParamValue, _ statement: any Statement, at index: Int32) throws {
        if statement is PostgreSQLStatement {
            switch value {
            case .int(let number): try statement.bind(String(number), at: index)
            case .real(let number): try statement.bind(number.description, at: index)
            case .text(let text):
                try statement.bind(String(decoding: try JSONEncoder().encode(text), as: UTF8.self), at: index)
            }
            return
        }
        switch value {
        case .int(let number): try statement.bind(number, at: index)
        case .real(let number): try statement.bind(number, at: index)
        case .text(let text): try statement.bind(text, at: index)
        }
    }

    /// A param as `bindParam` writes it on PostgreSQL: a JSON string, an integer, or a double. A string
    /// without a backslash has no escapes to undo (JSONDecoder is slow to call 2,000 times in a list).
    static func paramValue(typedText text: String) -> ParamValue {
        if text.hasPrefix("\"") {
            if text.count >= 2, text.hasSuffix("\""), !text.contains("\\") { return .text(String(text.dropFirst().dropLast())) }
            return .text((try? JSONDecoder().decode(String.self, from: Data(text.utf8))) ?? text)
        }
        if let number = Int64(text) { return .int(number) }
        return .real(Double(text) ?? .nan)
    }

    static func readParam(_ s: any Statement, at column: Int32) -> ParamValue {
        if s is PostgreSQLStatement { return paramValue(typedText: s.string(at: column)) }
        switch s.columnType(at: column) {
        case 1: return .int(s.int64(at: column))  // SQLITE_INTEGER
        case 2: return .real(s.double(at: column))  // SQLITE_FLOAT
        default: return .text(s.string(at: column))
        }
    }

    /// A run's params.
    public func params(runID: Int64) throws -> [String: ParamValue] {
        let statement = try database.cachedStatement(sql: "SELECT key, value FROM params WHERE run_id = ?")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var params: [String: ParamValue] = [:]
        while try statement.step() { params[statement.string(at: 0)] = Self.readParam(statement, at: 1) }
        return params
    }

    /// A run's tags.
    public func tags(runID: Int64) throws -> [String: String] {
        let statement = try database.cachedStatement(sql: "SELECT key, value FROM tags WHERE run_id = ?")
        try statement.bind(runID, at: 1)
        defer { statement.reset() }
        var tags: [String: String] = [:]
        while try statement.step() { tags[statement.string(at: 0)] = statement.string(at: 1) }
        return tags
    }

    /// Updates the given fields of a run (nil leaves a field as it is).
    public func updateRun(
        runID: Int64, status: RunStatus? = nil, stepsDone: Int? = nil, targetSteps: Int? = nil,
        endedAt: Date? = nil, heartbeatAt: Date? = nil, notes: String? = nil
    ) throws {
        try inTransaction {
            let statement = try database.cachedStatement(
                sql: """
                    UPDATE runs SET status = coalesce(?, status), steps_done = coalesce(?, steps_done),
                        target_steps = coalesce(?, target_steps), ended_at = coalesce(?, ended_at),
                        heartbeat_at = coalesce(?, heartbeat_at), notes = coalesce(?, notes)
                    WHERE id = ?
                    """)
            try statement.bind(status?.rawValue, at: 1)
            try statement.bind(stepsDone, at: 2)
            try statement.bind(targetSteps, at: 3)
            try statement.bind(endedAt, at: 4)
            try statement.bind(heartbeatAt, at: 5)
            try statement.bind(notes, at: 6)
            try statement.bind(runID, at: 7)
            try statement.execute()
            if database.changesCount == 0 { throw StoreError.runNotFound(String(runID)) }
        }
    }

    /// Records that the run's process is alive and has done `step` steps.
    public func heartbeat(runID: Int64, step: Int) throws {
        try updateRun(runID: runID, stepsDone: step, heartbeatAt: Date())
    }

    /// Ends a run with `status` (finished, failed, interrupted…), setting its end time, and for a
    /// tracked program its exit status.
    public func finishRun(runID: Int64, status: RunStatus, exitCode: Int32? = nil) throws {
        let now = Date()
        try inTransaction {
            try updateRun(runID: runID, status: status, endedAt: now, heartbeatAt: now)
            if let exitCode {
                try database.execute(sql: "UPDATE runs SET exit_code = \(exitCode) WHERE id = \(runID)")
            }
        }
    }

    /// Records the git commit of the work tree a tracked command runs in, and whether it had
    /// uncommitted changes.
    public func setGitState(runID: Int64, commit: String, isDirty: Bool) throws {
        try inTransaction {
            let statement = try database.cachedStatement(sql: "UPDATE runs SET git_commit = ?, git_dirty = ? WHERE id = ?")
            try statement.bind(commit, at: 1)
            try statement.bind(isDirty ? 1 : 0, at: 2)
            try statement.bind(runID, at: 3)
            try statement.execute()
            if database.changesCount == 0 { throw StoreError.runNotFound(String(runID)) }
        }
    }

    /// Makes this process the owner of an existing run again (e.g. to resume it): status `running`,
    /// this pid and host, heartbeat now, no end time.
    public func claimRun(runID: Int64) throws {
        try inTransaction {
            let statement = try database.cachedStatement(
                sql: """
                    UPDATE runs SET status = 'running', pid = ?, host = ?, heartbeat_at = ?, ended_at = NULL,
                        started_at = coalesce(started_at, ?)
                    WHERE id = ?
                    """)
            let now = Date()
            try statement.bind(Int64(getpid()), at: 1)
            try statement.bind(Self.hostName, at: 2)
            try statement.bind(now, at: 3)
            try statement.bind(now, at: 4)
            try statement.bind(runID, at: 5)
            try statement.execute()
            if database.changesCount == 0 { throw StoreError.runNotFound(String(runID)) }
        }
    }

    /// The `running` runs whose process is gone: on this host, its pid no longer exists (`kill(pid, 0)`
    /// fails with `ESRCH`) or its heartbeat is older than `staleHeartbeat` (the pid was reused by
    /// another process; a training process beats every few seconds); on another host (or without a
    /// pid), its heartbeat is older than `heartbeatTimeout`. Reads only.
    public func crashedRunIDs(
        heartbeatTimeout: TimeInterval = Store.heartbeatTimeout, staleHeartbeat: TimeInterval = 600, now: Date = Date()
    ) throws -> [Int64] {
        let statement = try database.cachedStatement(
            sql: "SELECT id, pid, host, heartbeat_at, created_at FROM runs WHERE status = 'running'")
        defer { statement.reset() }
        var crashed: [Int64] = []
        let thisHost = Self.hostName
        while try statement.step() {
            let id = statement.int64(at: 0)
            let pid = statement.optionalInt64(at: 1)
            let host = statement.optionalString(at: 2)
            let lastSign = statement.optionalDate(at: 3) ?? statement.date(at: 4)
            if pid == nil, host == nil { continue }  // owned by a client of the MLflow API: no process to watch
            if let pid, host == thisHost {
                let isGone = kill(pid_t(truncatingIfNeeded: pid), 0) == -1 && errno == ESRCH
                if isGone || now.timeIntervalSince(lastSign) > staleHeartbeat { crashed.append(id) }
            } else if now.timeIntervalSince(lastSign) > heartbeatTimeout {
                crashed.append(id)
            }
        }
        return crashed
    }

    /// Marks as `crashed` every run `crashedRunIDs` finds. Returns the ids of the runs it marked.
    @discardableResult
    public func markCrashedRuns(
        heartbeatTimeout: TimeInterval = Store.heartbeatTimeout, staleHeartbeat: TimeInterval = 600, now: Date = Date()
    ) throws -> [Int64] {
        let crashed = try crashedRunIDs(heartbeatTimeout: heartbeatTimeout, staleHeartbeat: staleHeartbeat, now: now)
        guard !crashed.isEmpty else { return [] }
        try inTransaction {
            let update = try database.cachedStatement(
                sql: "UPDATE runs SET status = 'crashed', ended_at = coalesce(heartbeat_at, ?) "
                    + "WHERE id = ? AND status = 'running'")
            for id in crashed {
                try update.bind(now, at: 1)
                try update.bind(id, at: 2)
                try update.execute()
            }
        }
        return crashed
    }
}
