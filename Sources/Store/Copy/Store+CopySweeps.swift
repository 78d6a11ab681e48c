import Foundation

/// The sweeps' half of `copyRuns`: a sweep follows its trials' runs.
extension Store {
    /// Copies every sweep whose trials all have runs that are now the same on both sides (`runs`:
    /// source id → destination id), one sweep per destination transaction: the sweep (name, spec,
    /// state, times) in the destination's experiment of its experiment's name, its trials with their
    /// runs' destination ids, and the metric at their judged steps. A sweep the destination holds by
    /// that name with the same spec and trials is already there; with anything else it is a
    /// conflict, left as it is there. A sweep only some of whose runs were copied stays behind, said
    /// in `sweepsLeftOut`.
    func copySweeps(ofRuns runs: [Int64: Int64], to destination: Store, report: inout CopyReport) throws {
        guard !runs.isEmpty else { return }
        var experimentIDs: [Int64: Int64] = [:]
        for sweep in try sweeps() {
            let trials = try sweepTrials(sweepID: sweep.id)
            let copied = trials.count { $0.runID.flatMap { runs[$0] } != nil }
            guard copied > 0 else { continue }
            guard copied == trials.count else {
                report.sweepsLeftOut.append("\(sweep.name): \(trials.count - copied) of its \(trials.count) trials' runs are not at the destination as they are here")
                continue
            }
            let mapped = trials.map { $0.withRun(runs[$0.runID!]!) }
            if let there = try destination.sweep(named: sweep.name) {
                let thereTrials = try destination.sweepTrials(sweepID: there.id)
                if there.spec != sweep.spec || thereTrials != mapped {
                    report.conflicts.append(CopyReport.Conflict(
                        kind: .sweep, name: sweep.name, uid: nil,
                        detail: "the destination's sweep of this name has another spec or other trials; not overwritten"))
                }
                continue
            }
            let experimentID = try destinationExperimentID(of: sweep.experimentID, at: destination, known: &experimentIDs)
            try destination.inTransaction {
                let insert = try destination.database.makeStatement(sql: """
                    INSERT INTO sweeps (name, experiment_id, spec, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id
                    """)
                try insert.bind(sweep.name, at: 1)
                try insert.bind(experimentID, at: 2)
                try insert.bind(sweep.spec, at: 3)
                try insert.bind(sweep.state, at: 4)
                try insert.bind(sweep.createdAt, at: 5)
                try insert.bind(sweep.updatedAt, at: 6)
                let sweepID = try destination.insertedID(insert)
                let trial = try destination.database.makeStatement(sql: """
                    INSERT INTO sweep_trials (sweep_id, number, assignment, state, run_id, step, resumed, saved_steps, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let point = try destination.database.makeStatement(sql: "INSERT INTO sweep_points (sweep_id, number, step, value) VALUES (?, ?, ?, ?)")
                for record in mapped {
                    try trial.bind(sweepID, at: 1)
                    try trial.bind(record.number, at: 2)
                    try trial.bind(try Self.assignmentJSON(record.assignment), at: 3)
                    try trial.bind(record.state, at: 4)
                    try trial.bind(record.runID, at: 5)
                    try trial.bind(record.step, at: 6)
                    try trial.bind(record.resumed, at: 7)
                    try trial.bind(record.savedSteps, at: 8)
                    try trial.bind(record.updatedAt, at: 9)
                    try trial.execute()
                    for (step, value) in record.points.sorted(by: { $0.key < $1.key }) {
                        try point.bind(sweepID, at: 1)
                        try point.bind(record.number, at: 2)
                        try point.bind(step, at: 3)
                        try point.bind(value, at: 4)
                        try point.execute()
                    }
                }
            }
            report.sweepsCopied.append(sweep.name)
        }
    }
}

extension SweepTrialRecord {
    /// The same trial, its run at `runID`.
    func withRun(_ runID: Int64) -> SweepTrialRecord {
        SweepTrialRecord(
            number: number, assignment: assignment, state: state, runID: runID, step: step, resumed: resumed,
            savedSteps: savedSteps, updatedAt: updatedAt, points: points)
    }
}
