-- PostgreSQL dialect of migrations/0005_run_uids.sql: a run's identity across stores, 32 random
-- lowercase hex digits (md5's output has that shape), given to every existing run.
ALTER TABLE runs ADD COLUMN uid TEXT
    CHECK (uid IS NULL OR uid ~ '^[0-9a-f]{32}$');
UPDATE runs SET uid = md5(random()::text || id::text) WHERE uid IS NULL;
CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
