-- Runs of any program (`nnreg track -- COMMAND`): what was run and where, its exit status, its
-- output, and the files it left.

-- The command line as a JSON array of strings, the working directory, the git commit of the work
-- tree it ran in (and whether that tree had uncommitted changes), and the child's exit status
-- (128 + N when a signal N ended it, as shells report it). NULL for runs nnreg trained itself.
ALTER TABLE runs ADD COLUMN command TEXT CHECK (command IS NULL OR json_valid(command));
ALTER TABLE runs ADD COLUMN cwd TEXT;
ALTER TABLE runs ADD COLUMN git_commit TEXT;
ALTER TABLE runs ADD COLUMN git_dirty INTEGER CHECK (git_dirty IN (0, 1));
ALTER TABLE runs ADD COLUMN exit_code INTEGER;

-- The child's combined stdout and stderr, in the order nnreg read it, as zlib-compressed chunks
-- numbered from 0 (one per commit, at least one a second while the command runs).
CREATE TABLE run_output (
    run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL CHECK (seq >= 0),
    raw_size INTEGER NOT NULL CHECK (raw_size >= 0),
    data     BLOB    NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

-- Files a run left (`--artifacts DIR`, or logged through the library), by path relative to that
-- folder, each a content-addressed blob (kept by `gc` while an artifact names it).
CREATE TABLE artifacts (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL CHECK (length(name) > 0),
    sha256     TEXT    NOT NULL CHECK (length(sha256) = 64),
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at REAL    NOT NULL,
    PRIMARY KEY (run_id, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);
