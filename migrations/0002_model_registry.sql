-- The model registry, content-addressed blobs, and soft-deleted runs.

-- Every blob (network weights, trainer state) once, keyed by its lowercase hex SHA-256. Checkpoints
-- name their blobs by hash, so a fork's starting point, a re-imported file or a registered version
-- never stores the same bytes twice. Every read re-hashes the bytes against the key. A blob that
-- nothing names any more is removed by `nnreg gc`.
CREATE TABLE blobs (
    sha256 TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    size   INTEGER NOT NULL CHECK (size >= 0),
    data   BLOB    NOT NULL
) STRICT;

-- Move the existing checkpoint blobs over (identical bytes are kept once), then drop the columns
-- that held them. ALTER TABLE keeps the table itself, so evaluations keep their checkpoints.
INSERT OR IGNORE INTO blobs (sha256, size, data)
    SELECT weights_sha256, weights_size, weights FROM checkpoints ORDER BY id;
INSERT OR IGNORE INTO blobs (sha256, size, data)
    SELECT trainer_state_sha256, trainer_state_size, trainer_state FROM checkpoints ORDER BY id;
ALTER TABLE checkpoints DROP COLUMN weights;
ALTER TABLE checkpoints DROP COLUMN trainer_state;
CREATE INDEX checkpoints_by_weights ON checkpoints (weights_sha256);
CREATE INDEX checkpoints_by_trainer_state ON checkpoints (trainer_state_sha256);

-- Evaluations name their run and step themselves, so that an evaluation outlives a checkpoint that
-- `gc --keep-last` removes (its checkpoint_id then becomes NULL) and `show` keeps every one.
-- Nothing references evaluations, so the table can be rebuilt; ids and values are copied as they are.
CREATE TABLE evaluations_v2 (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step           INTEGER NOT NULL,
    checkpoint_id  INTEGER REFERENCES checkpoints (id) ON DELETE SET NULL,
    weights_sha256 TEXT,
    dataset_name   TEXT    NOT NULL,
    dataset_sha256 TEXT    NOT NULL,
    split          TEXT    NOT NULL,
    accuracy       REAL    NOT NULL,
    loss           REAL,
    per_class      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(per_class)),
    confusion      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(confusion)),
    created_at     REAL    NOT NULL
) STRICT;
INSERT INTO evaluations_v2 (id, run_id, step, checkpoint_id, weights_sha256, dataset_name, dataset_sha256, split,
        accuracy, loss, per_class, confusion, created_at)
    SELECT e.id, c.run_id, c.step, e.checkpoint_id, c.weights_sha256, e.dataset_name, e.dataset_sha256, e.split,
        e.accuracy, e.loss, e.per_class, e.confusion, e.created_at
    FROM evaluations e JOIN checkpoints c ON c.id = e.checkpoint_id ORDER BY e.id;
DROP TABLE evaluations;
ALTER TABLE evaluations_v2 RENAME TO evaluations;
CREATE INDEX evaluations_by_run ON evaluations (run_id, step, split);
CREATE INDEX evaluations_by_checkpoint ON evaluations (checkpoint_id) WHERE checkpoint_id IS NOT NULL;

-- A soft-deleted run is hidden from `list` until restored, and purged by `nnreg gc`.
ALTER TABLE runs ADD COLUMN deleted_at REAL;

-- A named model. Its versions are numbered 1, 2, … and a number is never reused, even after the
-- version is deleted (`last_version` remembers the highest one given).
CREATE TABLE models (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    description  TEXT,
    created_at   REAL    NOT NULL,
    last_version INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One version of a model: exactly one checkpoint (which `gc` and `delete` then keep), with what was
-- known of it when it was registered: run, step, weights SHA-256, dataset and test accuracy.
CREATE TABLE model_versions (
    id             INTEGER PRIMARY KEY,
    model_id       INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL CHECK (version >= 1),
    checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE RESTRICT,
    run_id         INTEGER NOT NULL,
    step           INTEGER NOT NULL,
    weights_sha256 TEXT    NOT NULL,
    dataset_name   TEXT,
    dataset_sha256 TEXT,
    test_accuracy  REAL,
    description    TEXT,
    created_at     REAL    NOT NULL,
    created_by     TEXT    NOT NULL,
    created_host   TEXT    NOT NULL,
    UNIQUE (model_id, version)
) STRICT;
CREATE INDEX model_versions_by_checkpoint ON model_versions (checkpoint_id);
CREATE INDEX model_versions_by_run ON model_versions (run_id);

-- `NAME@ALIAS` → one version. Moving an alias is one UPDATE; a version an alias points at cannot
-- be deleted (RESTRICT) unless the alias goes first.
CREATE TABLE model_aliases (
    model_id   INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    alias      TEXT    NOT NULL,
    version_id INTEGER NOT NULL REFERENCES model_versions (id) ON DELETE RESTRICT,
    updated_at REAL    NOT NULL,
    PRIMARY KEY (model_id, alias)
) STRICT, WITHOUT ROWID;

-- Tags of a model (version 0) or of one of its versions.
CREATE TABLE model_tags (
    model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    version  INTEGER NOT NULL DEFAULT 0,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (model_id, version, key)
) STRICT, WITHOUT ROWID;

-- Every registry change, never edited or removed (the triggers refuse it): who (OS user, host),
-- when, what. It names the model by name, so it outlives a deleted model.
CREATE TABLE model_history (
    id               INTEGER PRIMARY KEY,
    model_name       TEXT    NOT NULL,
    action           TEXT    NOT NULL CHECK (action IN (
                         'model_created', 'version_registered', 'alias_set', 'alias_moved', 'alias_removed',
                         'version_deleted', 'model_deleted')),
    version          INTEGER,
    alias            TEXT,
    previous_version INTEGER,
    detail           TEXT,
    at               REAL    NOT NULL,
    user             TEXT    NOT NULL,
    host             TEXT    NOT NULL
) STRICT;
CREATE INDEX model_history_by_model ON model_history (model_name, id);
CREATE TRIGGER model_history_is_append_only_update BEFORE UPDATE ON model_history
BEGIN SELECT RAISE(ABORT, 'model_history is append-only'); END;
CREATE TRIGGER model_history_is_append_only_delete BEFORE DELETE ON model_history
BEGIN SELECT RAISE(ABORT, 'model_history is append-only'); END;
