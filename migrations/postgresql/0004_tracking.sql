-- Runs of any program (`nnreg track -- COMMAND`), in PostgreSQL's dialect (the SQLite file of the
-- same id explains each column and table).

ALTER TABLE runs ADD COLUMN command TEXT CHECK (command IS NULL OR jsonb_typeof(command::jsonb) = 'array');
ALTER TABLE runs ADD COLUMN cwd TEXT;
ALTER TABLE runs ADD COLUMN git_commit TEXT;
ALTER TABLE runs ADD COLUMN git_dirty BIGINT CHECK (git_dirty IN (0, 1));
ALTER TABLE runs ADD COLUMN exit_code BIGINT;

CREATE TABLE run_output (
    run_id   BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq      BIGINT NOT NULL CHECK (seq >= 0),
    raw_size BIGINT NOT NULL CHECK (raw_size >= 0),
    data     BYTEA  NOT NULL,
    PRIMARY KEY (run_id, seq)
);
-- Already zlib-compressed: storing it again compressed would only cost time.
ALTER TABLE run_output ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE artifacts (
    run_id     BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL CHECK (length(name) > 0),
    sha256     TEXT   NOT NULL CHECK (length(sha256) = 64),
    size       BIGINT NOT NULL CHECK (size >= 0),
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);
