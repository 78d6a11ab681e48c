-- nnreg: rebuilds tables
-- The registry as MLflow's API writes it: a model version's source is either an nnreg checkpoint
-- (as before) or an artifact path the API names (`runs:/ID/path`, `mlflow-artifacts:/…`,
-- `models:/m-…`), and MLflow 3's logged models (a model's files with its own id, params and tags,
-- made by `log_model`). The first line above asks the Store to run this file with foreign keys off
-- and to check them before it commits: `model_versions` and `model_history` are rebuilt.

-- A model as `log_model` records it: files under the experiment's `models/ID/artifacts/`, the run
-- that made it, and a status that goes from pending to ready once its files are uploaded.
CREATE TABLE logged_models (
    id             TEXT    PRIMARY KEY CHECK (length(id) = 34 AND id GLOB 'm-*' AND substr(id, 3) NOT GLOB '*[^0-9a-f]*'),
    experiment_id  INTEGER NOT NULL REFERENCES experiments (id),
    name           TEXT    NOT NULL CHECK (length(name) > 0),
    run_id         INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    model_type     TEXT,
    status         TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    status_message TEXT,
    deleted_at     REAL,
    created_at     REAL    NOT NULL,
    updated_at     REAL    NOT NULL
) STRICT;
CREATE INDEX logged_models_by_run ON logged_models (run_id);

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) STRICT, WITHOUT ROWID;

-- A logged model's files, stored like a run's artifacts (a blob, or pieces of one).
CREATE TABLE logged_model_artifacts (
    model_id   TEXT    NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL CHECK (length(name) > 0),
    sha256     TEXT    NOT NULL CHECK (length(sha256) = 64),
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at REAL    NOT NULL,
    PRIMARY KEY (model_id, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX logged_model_artifacts_by_sha256 ON logged_model_artifacts (sha256);

-- The models a run made, at which step (MLflow's run outputs).
CREATE TABLE run_outputs (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    model_id TEXT    NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    step     INTEGER NOT NULL,
    PRIMARY KEY (run_id, model_id, step)
) STRICT, WITHOUT ROWID;

ALTER TABLE models ADD COLUMN updated_at REAL;
UPDATE models SET updated_at = created_at;

-- Model versions: a checkpoint (checkpoint, run, step and weights all set, as before) or a source
-- the API gave (then run, step and weights may be unknown). Columns keep their order.
CREATE TABLE model_versions_v9 (
    id              INTEGER PRIMARY KEY,
    model_id        INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    checkpoint_id   INTEGER REFERENCES checkpoints (id) ON DELETE RESTRICT,
    run_id          INTEGER,
    step            INTEGER,
    weights_sha256  TEXT,
    dataset_name    TEXT,
    dataset_sha256  TEXT,
    test_accuracy   REAL,
    description     TEXT,
    created_at      REAL    NOT NULL,
    created_by      TEXT    NOT NULL,
    created_host    TEXT    NOT NULL,
    source          TEXT,
    logged_model_id TEXT    REFERENCES logged_models (id) ON DELETE SET NULL,
    updated_at      REAL,
    UNIQUE (model_id, version),
    CHECK ((checkpoint_id IS NOT NULL AND run_id IS NOT NULL AND step IS NOT NULL AND weights_sha256 IS NOT NULL)
           OR (checkpoint_id IS NULL AND source IS NOT NULL))
) STRICT;
INSERT INTO model_versions_v9 (id, model_id, version, checkpoint_id, run_id, step, weights_sha256, dataset_name,
        dataset_sha256, test_accuracy, description, created_at, created_by, created_host, source, logged_model_id, updated_at)
    SELECT id, model_id, version, checkpoint_id, run_id, step, weights_sha256, dataset_name, dataset_sha256,
        test_accuracy, description, created_at, created_by, created_host, NULL, NULL, created_at
    FROM model_versions;
DROP TABLE model_versions;
ALTER TABLE model_versions_v9 RENAME TO model_versions;
CREATE INDEX model_versions_by_checkpoint ON model_versions (checkpoint_id);
CREATE INDEX model_versions_by_run ON model_versions (run_id);

-- The history learns renames (the API renames models); it stays append-only.
CREATE TABLE model_history_v9 (
    id               INTEGER PRIMARY KEY,
    model_name       TEXT    NOT NULL,
    action           TEXT    NOT NULL CHECK (action IN (
                         'model_created', 'version_registered', 'alias_set', 'alias_moved', 'alias_removed',
                         'version_deleted', 'model_deleted', 'model_renamed')),
    version          INTEGER,
    alias            TEXT,
    previous_version INTEGER,
    detail           TEXT,
    at               REAL    NOT NULL,
    user             TEXT    NOT NULL,
    host             TEXT    NOT NULL
) STRICT;
INSERT INTO model_history_v9 SELECT id, model_name, action, version, alias, previous_version, detail, at, user, host FROM model_history;
DROP TABLE model_history;
ALTER TABLE model_history_v9 RENAME TO model_history;
CREATE INDEX model_history_by_model ON model_history (model_name, id);
CREATE TRIGGER model_history_is_append_only_update BEFORE UPDATE ON model_history
BEGIN SELECT RAISE(ABORT, 'model_history is append-only'); END;
CREATE TRIGGER model_history_is_append_only_delete BEFORE DELETE ON model_history
BEGIN SELECT RAISE(ABORT, 'model_history is append-only'); END;
