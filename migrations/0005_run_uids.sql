-- A run's identity across stores: 32 random lowercase hex digits, given when the run is created and
-- kept wherever `nnreg copy` takes it. Ids are numbers of one store (a run copied elsewhere gets
-- that store's next id) and names are chosen by people (two stores can each have a `seed-1`), so a
-- copy finds "the same run" at the destination by its uid alone.

-- NULL is allowed only so that the column can be added to a filled table; every run gets one here,
-- and the Store gives every new run one.
ALTER TABLE runs ADD COLUMN uid TEXT
    CHECK (uid IS NULL OR (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*'));
UPDATE runs SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
