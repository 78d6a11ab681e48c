-- nnreg registry, first schema. Times are REAL seconds since 1970-01-01 UTC
-- (read them with datetime(x, 'unixepoch')). Hashes are lowercase hex SHA-256.

-- One training run. A run forked from another names its parent run and the step it started from.
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
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
    notes          TEXT
) STRICT;
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

-- Hyperparameters, typed: the ANY column keeps INTEGER, REAL and TEXT values exactly as given.
CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  ANY     NOT NULL CHECK (typeof(value) IN ('integer', 'real', 'text')),
    PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE tags (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;

-- Metric names, numbered so that each stored point carries a small integer instead of a string.
CREATE TABLE metric_keys (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL UNIQUE
) STRICT;

-- Every metric point ever logged; none are sampled away. Clustered on (run, key, step), so one
-- history is one contiguous range and "latest value" is one index seek. The hottest table has no
-- foreign keys (a per-row parent lookup costs ~40% of bulk insert time): the Store checks the run
-- once per logging call and only takes key_id from metric_keys.
CREATE TABLE metrics (
    run_id    INTEGER NOT NULL,  -- runs(id)
    key_id    INTEGER NOT NULL,  -- metric_keys(id)
    step      INTEGER NOT NULL,
    value     REAL    NOT NULL,
    wall_time REAL    NOT NULL,
    PRIMARY KEY (run_id, key_id, step)
) STRICT, WITHOUT ROWID;

-- Network weights and the trainer's state (optimizer, RNG, data position) for exact resume.
-- Small columns first and blobs last, so listing checkpoints never reads the blobs' pages.
CREATE TABLE checkpoints (
    id                   INTEGER PRIMARY KEY,
    run_id               INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step                 INTEGER NOT NULL,
    created_at           REAL    NOT NULL,
    weights_size         INTEGER NOT NULL,
    weights_sha256       TEXT    NOT NULL,
    trainer_state_size   INTEGER NOT NULL,
    trainer_state_sha256 TEXT    NOT NULL,
    weights              BLOB    NOT NULL,
    trainer_state        BLOB    NOT NULL,
    UNIQUE (run_id, step)
) STRICT;

-- An evaluation of one checkpoint on one dataset split. A run's test accuracy is its latest
-- evaluation on split 'test'. Per-class figures and the confusion matrix are JSON text.
-- (A later migration adds the model registry, whose versions will reference checkpoints(id).)
CREATE TABLE evaluations (
    id             INTEGER PRIMARY KEY,
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE CASCADE,
    dataset_name   TEXT    NOT NULL,
    dataset_sha256 TEXT    NOT NULL,
    split          TEXT    NOT NULL,
    accuracy       REAL    NOT NULL,
    loss           REAL,
    per_class      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(per_class)),
    confusion      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(confusion)),
    created_at     REAL    NOT NULL
) STRICT;
CREATE INDEX evaluations_by_checkpoint ON evaluations (checkpoint_id, split);
