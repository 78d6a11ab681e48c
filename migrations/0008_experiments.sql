-- nnreg: rebuilds tables
-- Experiments, and runs and metric points as MLflow has them (the tracking protocol, WebServer's
-- /api/2.0/mlflow/). The first line above asks the Store to run this file with foreign keys off,
-- as SQLite's way of changing a table's constraints requires, and to check every foreign key
-- before it commits: `runs` and `metrics` are rebuilt, nothing else moves.

-- A named group of runs. Id 0 is `Default`, as in MLflow, and holds every run made before this
-- migration. A deleted experiment keeps its runs and its name until restored.
CREATE TABLE experiments (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE CHECK (length(name) > 0),
    lifecycle         TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'deleted')),
    artifact_location TEXT    NOT NULL,  -- as MLflow reports it: mlflow-artifacts:/ID unless given
    created_at        REAL    NOT NULL,
    updated_at        REAL    NOT NULL
) STRICT;
INSERT INTO experiments (id, name, artifact_location, created_at, updated_at)
    VALUES (0, 'Default', 'mlflow-artifacts:/0', (julianday('now') - 2440587.5) * 86400.0, (julianday('now') - 2440587.5) * 86400.0);

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, key)
) STRICT, WITHOUT ROWID;

-- Runs: names are no longer unique (MLflow's client makes them up and repeats them; a run's
-- identity is its uid), each run belongs to an experiment, and a run made through the MLflow API
-- records its user. Columns keep their order, values are copied as they are.
CREATE TABLE runs_v8 (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    status         TEXT    NOT NULL
                   CHECK (status IN ('running', 'finished', 'failed', 'interrupted', 'crashed')),
    created_at     REAL    NOT NULL,
    started_at     REAL,
    ended_at       REAL,
    heartbeat_at   REAL,               -- last sign of life of the training process
    pid            INTEGER,            -- training process id on `host`
    host           TEXT,
    seed           INTEGER,
    target_steps   INTEGER NOT NULL DEFAULT 0 CHECK (target_steps >= 0),
    steps_done     INTEGER NOT NULL DEFAULT 0 CHECK (steps_done >= 0),
    dataset_name   TEXT,
    dataset_sha256 TEXT,
    nnreg_version  TEXT,
    parent_run_id  INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    parent_step    INTEGER,
    notes          TEXT,
    deleted_at     REAL,
    test_accuracy  REAL,
    command        TEXT CHECK (command IS NULL OR json_valid(command)),
    cwd            TEXT,
    git_commit     TEXT,
    git_dirty      INTEGER CHECK (git_dirty IN (0, 1)),
    exit_code      INTEGER,
    uid            TEXT CHECK (uid IS NULL OR (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*')),
    experiment_id  INTEGER NOT NULL DEFAULT 0 REFERENCES experiments (id),
    user_id        TEXT
) STRICT;
INSERT INTO runs_v8 (id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
        steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes, deleted_at,
        test_accuracy, command, cwd, git_commit, git_dirty, exit_code, uid)
    SELECT id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
        steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes, deleted_at,
        test_accuracy, command, cwd, git_commit, git_dirty, exit_code, uid
    FROM runs ORDER BY id;
DROP TABLE runs;
ALTER TABLE runs_v8 RENAME TO runs;
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
CREATE INDEX runs_by_name ON runs (name);
CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at);

-- Metric points: MLflow keeps every point, several at one step among them (a script that logs
-- without a step logs them all at step 0), so a point is (run, key, step, seq): nnreg's trainer
-- writes seq 0 and replaces a point at the same step, as before; a point appended through the
-- MLflow API takes the next seq of its step. `value` keeps any float exactly: no REAL affinity (it
-- would store -0.0 as the integer 0), NULL for NaN (SQLite stores NaN as NULL).
DROP VIEW metric_points;
CREATE TABLE metrics_v8 (
    run_id    INTEGER NOT NULL,  -- runs(id)
    key_id    INTEGER NOT NULL,  -- metric_keys(id)
    step      INTEGER NOT NULL,
    seq       INTEGER NOT NULL DEFAULT 0,
    value     ANY,
    wall_time REAL    NOT NULL,
    PRIMARY KEY (run_id, key_id, step, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO metrics_v8 (run_id, key_id, step, seq, value, wall_time)
    SELECT run_id, key_id, step, 0, value, wall_time FROM metrics ORDER BY run_id, key_id, step;
DROP TABLE metrics;
ALTER TABLE metrics_v8 RENAME TO metrics;
CREATE VIEW metric_points AS SELECT run_id, key_id, step, value, wall_time, seq FROM metrics;

-- Each run's latest point per key, as before, with NaN (NULL) allowed.
CREATE TABLE metric_latest_v8 (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id INTEGER NOT NULL REFERENCES metric_keys (id),
    step   INTEGER NOT NULL,
    value  ANY,
    PRIMARY KEY (run_id, key_id)
) STRICT, WITHOUT ROWID;
INSERT INTO metric_latest_v8 (run_id, key_id, step, value) SELECT run_id, key_id, step, value FROM metric_latest;
DROP TABLE metric_latest;
ALTER TABLE metric_latest_v8 RENAME TO metric_latest;

-- Dataset inputs a run logged (MLflow's log-inputs): the dataset's identity and its context tags.
CREATE TABLE run_inputs (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    source_type TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    schema      TEXT,
    profile     TEXT,
    tags        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(tags)),  -- {"mlflow.data.context": "train", …}
    PRIMARY KEY (run_id, name, digest)
) STRICT, WITHOUT ROWID;

-- Artifacts larger than one piece (uploaded through MLflow's artifact proxy, any size): the file's
-- SHA-256 in `artifacts` names no blob of its own but these pieces, each a content-addressed blob
-- of at most 8 MiB, in order. Uploads and downloads stream piece by piece, so memory stays bounded
-- whatever the file's size; every piece is re-hashed on reading and the whole file as it streams.
-- `gc` keeps the pieces of files an artifact names and removes the rest.
CREATE TABLE artifact_pieces (
    sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
    seq          INTEGER NOT NULL CHECK (seq >= 0),
    piece_sha256 TEXT    NOT NULL CHECK (length(piece_sha256) = 64),
    size         INTEGER NOT NULL CHECK (size >= 0),
    PRIMARY KEY (sha256, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX artifact_pieces_by_piece ON artifact_pieces (piece_sha256);
