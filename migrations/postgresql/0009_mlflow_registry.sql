-- The registry as MLflow's API writes it: a model version's source is either an nnreg checkpoint
-- (as before) or an artifact path the API names (`runs:/ID/path`, `mlflow-artifacts:/…`,
-- `models:/m-…`), and MLflow 3's logged models (see the SQLite file for each table's meaning).

CREATE TABLE logged_models (
    id             TEXT   PRIMARY KEY CHECK (id ~ '^m-[0-9a-f]{32}$'),
    experiment_id  BIGINT NOT NULL REFERENCES experiments (id),
    name           TEXT   NOT NULL CHECK (length(name) > 0),
    run_id         BIGINT REFERENCES runs (id) ON DELETE SET NULL,
    model_type     TEXT,
    status         TEXT   NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    status_message TEXT,
    deleted_at     DOUBLE PRECISION,
    created_at     DOUBLE PRECISION NOT NULL,
    updated_at     DOUBLE PRECISION NOT NULL
);
CREATE INDEX logged_models_by_run ON logged_models (run_id);

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE logged_model_artifacts (
    model_id   TEXT   NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL CHECK (length(name) > 0),
    sha256     TEXT   NOT NULL CHECK (length(sha256) = 64),
    size       BIGINT NOT NULL CHECK (size >= 0),
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (model_id, name)
);
CREATE INDEX logged_model_artifacts_by_sha256 ON logged_model_artifacts (sha256);

CREATE TABLE run_outputs (
    run_id   BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    model_id TEXT   NOT NULL REFERENCES logged_models (id) ON DELETE CASCADE,
    step     BIGINT NOT NULL,
    PRIMARY KEY (run_id, model_id, step)
);

ALTER TABLE models ADD COLUMN updated_at DOUBLE PRECISION;
UPDATE models SET updated_at = created_at;

ALTER TABLE model_versions ALTER COLUMN checkpoint_id DROP NOT NULL;
ALTER TABLE model_versions ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE model_versions ALTER COLUMN step DROP NOT NULL;
ALTER TABLE model_versions ALTER COLUMN weights_sha256 DROP NOT NULL;
ALTER TABLE model_versions ADD COLUMN source TEXT;
ALTER TABLE model_versions ADD COLUMN logged_model_id TEXT REFERENCES logged_models (id) ON DELETE SET NULL;
ALTER TABLE model_versions ADD COLUMN updated_at DOUBLE PRECISION;
UPDATE model_versions SET updated_at = created_at;
ALTER TABLE model_versions ADD CONSTRAINT model_versions_source_check CHECK (
    (checkpoint_id IS NOT NULL AND run_id IS NOT NULL AND step IS NOT NULL AND weights_sha256 IS NOT NULL)
    OR (checkpoint_id IS NULL AND source IS NOT NULL));

ALTER TABLE model_history DROP CONSTRAINT model_history_action_check;
ALTER TABLE model_history ADD CONSTRAINT model_history_action_check CHECK (action IN (
    'model_created', 'version_registered', 'alias_set', 'alias_moved', 'alias_removed',
    'version_deleted', 'model_deleted', 'model_renamed'));
