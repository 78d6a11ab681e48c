-- nnreg: rebuilds tables
-- Sweeps (`nnreg sweep`): a hyperparameter search is an experiment of the same name whose runs are
-- its trials. A trial the pruner stops ends with run status `pruned` (and its checkpoint), so
-- `runs` is rebuilt to allow that status; columns and values are copied as they are.

CREATE TABLE runs_v10 (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    status         TEXT    NOT NULL
                   CHECK (status IN ('running', 'finished', 'failed', 'interrupted', 'crashed', 'pruned')),
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
INSERT INTO runs_v10 (id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
        steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes, deleted_at,
        test_accuracy, command, cwd, git_commit, git_dirty, exit_code, uid, experiment_id, user_id)
    SELECT id, name, status, created_at, started_at, ended_at, heartbeat_at, pid, host, seed, target_steps,
        steps_done, dataset_name, dataset_sha256, nnreg_version, parent_run_id, parent_step, notes, deleted_at,
        test_accuracy, command, cwd, git_commit, git_dirty, exit_code, uid, experiment_id, user_id
    FROM runs ORDER BY id;
DROP TABLE runs;
ALTER TABLE runs_v10 RENAME TO runs;
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
CREATE INDEX runs_by_name ON runs (name);
CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at);

-- One search: its experiment, its whole specification as given (JSON: space, method, budget,
-- metric, pruner, seed, fixed train options or outside command), and whether workers may take
-- trials (`running`), were told to stop (`stopped`), or found nothing left (`finished`).
CREATE TABLE sweeps (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE CHECK (length(name) > 0),
    experiment_id INTEGER NOT NULL UNIQUE REFERENCES experiments (id),
    spec          TEXT    NOT NULL CHECK (json_valid(spec)),
    state         TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'stopped', 'finished')),
    created_at    REAL    NOT NULL,
    updated_at    REAL    NOT NULL
) STRICT;

-- Its trials, numbered from 0 in the order they were proposed. A trial is claimed by a worker
-- (host and pid in its run) in the same write transaction that decided it, so no trial runs twice.
CREATE TABLE sweep_trials (
    sweep_id    INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL CHECK (number >= 0),
    assignment  TEXT    NOT NULL CHECK (json_valid(assignment)),  -- {"learning-rate": "0.01", …}
    state       TEXT    NOT NULL CHECK (state IN ('running', 'pruned', 'finished', 'failed', 'stopped')),
    run_id      INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    step        INTEGER NOT NULL DEFAULT 0 CHECK (step >= 0),     -- steps trained (the checkpoint of a paused one)
    resumed     INTEGER NOT NULL DEFAULT 0 CHECK (resumed >= 0),  -- times continued from a checkpoint
    saved_steps INTEGER NOT NULL DEFAULT 0 CHECK (saved_steps >= 0), -- steps those continuations did not redo
    updated_at  REAL    NOT NULL,
    PRIMARY KEY (sweep_id, number)
) STRICT;
CREATE INDEX sweep_trials_by_run ON sweep_trials (run_id);

-- The sweep's metric at each step a trial was judged (ASHA's rungs, the median rule's display
-- steps) and at its end: what the pruner compares trials by.
CREATE TABLE sweep_points (
    sweep_id INTEGER NOT NULL,
    number   INTEGER NOT NULL,
    step     INTEGER NOT NULL,
    value    REAL    NOT NULL,
    PRIMARY KEY (sweep_id, number, step),
    FOREIGN KEY (sweep_id, number) REFERENCES sweep_trials (sweep_id, number) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
