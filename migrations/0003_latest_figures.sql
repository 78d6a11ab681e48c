-- What `list` and the runs page show of each run, kept where one read finds it: each run's latest
-- point per metric, and the run's test accuracy. Listing 10,000 runs then reads one small row per
-- run and metric instead of seeking into the large metrics and evaluations tables for each. The
-- Store's writers keep both in the transaction that changes what they summarise; `nnreg check`
-- reports any that disagree with the tables they summarise.

-- A point replaces its run's row for its key when its step is at least the stored one. metrics
-- itself keeps no triggers and no foreign keys (for insert speed); this table, written once per key
-- and logging call, has them, so purging a run removes its rows.
CREATE TABLE metric_latest (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id INTEGER NOT NULL REFERENCES metric_keys (id),
    step   INTEGER NOT NULL,
    value  REAL    NOT NULL,
    PRIMARY KEY (run_id, key_id)
) STRICT, WITHOUT ROWID;

-- SQLite takes the bare column `value` from the row that holds max(step). Points of missing runs
-- or keys (which `nnreg check` reports as orphaned) get no row.
INSERT INTO metric_latest (run_id, key_id, step, value)
    SELECT run_id, key_id, max(step), value FROM metrics
    WHERE run_id IN (SELECT id FROM runs) AND key_id IN (SELECT id FROM metric_keys)
    GROUP BY run_id, key_id;

-- The latest test-split evaluation of the run's latest checkpoint, or NULL: set again whenever a
-- checkpoint or an evaluation of the run is stored.
ALTER TABLE runs ADD COLUMN test_accuracy REAL;
UPDATE runs SET test_accuracy = (
    SELECT e.accuracy FROM evaluations e
    WHERE e.run_id = runs.id AND e.split = 'test' AND e.step = (SELECT max(step) FROM checkpoints WHERE run_id = runs.id)
    ORDER BY e.created_at DESC, e.id DESC LIMIT 1);

-- The runs page filters and sorts 10,000 runs by a param or two: read those from an index instead
-- of every param of every run.
CREATE INDEX params_by_key ON params (key, run_id, value);
