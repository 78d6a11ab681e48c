-- Points logged in bulk are stored as chunks of arrays: one row per key and up to 10,000 steps.
-- A row per point costs the server about 4 µs to insert and 0.7 µs to read back (its header, its
-- index entry, its visibility check); a chunk costs that once, and its arrays are stored out of line
-- uncompressed. A display step still writes rows (`nnreg_log_points`): appending to an array
-- rewrites it.
--
-- Every point is in exactly one place, a row of `metrics` or an element of one chunk; chunks of
-- one (run, key) never overlap. A writer that stores a step inside a chunk's range first moves
-- that chunk's points to rows (`nnreg_unchunk`), under the writers' lock, in its own transaction.
-- Readers take both: `metric_points` (every point as a row; for checks and counts),
-- `nnreg_metric_arrays` (one curve) and `nnreg_metric_page` (a bounded page of one curve).
CREATE TABLE metric_chunks (
    run_id       BIGINT  NOT NULL,  -- runs(id); no foreign key, as metrics
    key_id       BIGINT  NOT NULL,  -- metric_keys(id)
    first_step   BIGINT  NOT NULL,
    last_step    BIGINT  NOT NULL,
    point_count  INTEGER NOT NULL,
    steps        BIGINT[]           NOT NULL,  -- strictly increasing
    point_values DOUBLE PRECISION[] NOT NULL,
    wall_times   DOUBLE PRECISION[] NOT NULL,
    PRIMARY KEY (run_id, key_id, first_step),
    CHECK (first_step <= last_step AND point_count = cardinality(steps)
           AND cardinality(point_values) = point_count AND cardinality(wall_times) = point_count
           AND steps[1] = first_step AND steps[point_count] = last_step)
);
ALTER TABLE metric_chunks
    ALTER COLUMN steps SET STORAGE EXTERNAL,
    ALTER COLUMN point_values SET STORAGE EXTERNAL,
    ALTER COLUMN wall_times SET STORAGE EXTERNAL;

-- Every point as a row, wherever it is stored.
CREATE VIEW metric_points AS
    SELECT run_id, key_id, step, value, wall_time FROM metrics
    UNION ALL
    SELECT c.run_id, c.key_id, p.step, p.value, p.wall_time
    FROM metric_chunks c, unnest(c.steps, c.point_values, c.wall_times) AS p (step, value, wall_time);

-- Moves the points of the chunks of a run's keys that reach into [p_from, p_to] to rows of metrics.
CREATE FUNCTION nnreg_unchunk(p_run_id BIGINT, p_key_ids BIGINT[], p_from BIGINT, p_to BIGINT)
RETURNS void LANGUAGE sql AS $$
    WITH moved AS (
        DELETE FROM metric_chunks
        WHERE run_id = p_run_id AND key_id = ANY (p_key_ids) AND first_step <= p_to AND last_step >= p_from
        RETURNING run_id, key_id, steps, point_values, wall_times)
    INSERT INTO metrics (run_id, key_id, step, value, wall_time)
        SELECT m.run_id, m.key_id, p.step, p.value, p.wall_time
        FROM moved m, unnest(m.steps, m.point_values, m.wall_times) AS p (step, value, wall_time)
$$;

-- As in 0006, and a step inside a chunk's range first moves that chunk to rows.
CREATE OR REPLACE FUNCTION nnreg_log_points(
    p_run_id BIGINT, p_step BIGINT, p_key_ids BIGINT[], p_values DOUBLE PRECISION[],
    p_wall_time DOUBLE PRECISION, p_heartbeat_at DOUBLE PRECISION
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(474299393383);
    PERFORM 1 FROM runs WHERE id = p_run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % not found', p_run_id USING ERRCODE = 'NNR01';
    END IF;
    PERFORM 1 FROM metric_chunks
        WHERE run_id = p_run_id AND key_id = ANY (p_key_ids) AND first_step <= p_step AND last_step >= p_step;
    IF FOUND THEN
        PERFORM nnreg_unchunk(p_run_id, p_key_ids, p_step, p_step);
    END IF;
    INSERT INTO metrics (run_id, key_id, step, value, wall_time)
        SELECT p_run_id, k, p_step, v, p_wall_time FROM unnest(p_key_ids, p_values) AS t (k, v)
        ON CONFLICT (run_id, key_id, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time;
    INSERT INTO metric_latest (run_id, key_id, step, value)
        SELECT p_run_id, k, p_step, v FROM unnest(p_key_ids, p_values) AS t (k, v)
        ON CONFLICT (run_id, key_id) DO UPDATE SET step = excluded.step, value = excluded.value
        WHERE excluded.step >= metric_latest.step;
    IF p_heartbeat_at IS NOT NULL THEN
        UPDATE runs SET steps_done = p_step, heartbeat_at = p_heartbeat_at WHERE id = p_run_id;
    END IF;
END
$$;

-- One curve as rows of arrays: first its rows' points (one row of arrays, empty arrays when there
-- are none), then each chunk in step order. The Store joins them and sorts them should the rows'
-- steps fall between chunks.
CREATE OR REPLACE FUNCTION nnreg_metric_arrays(p_run_id BIGINT, p_key_id BIGINT, p_with_wall_times BOOLEAN)
RETURNS TABLE (steps BIGINT[], point_values DOUBLE PRECISION[], wall_times DOUBLE PRECISION[])
LANGUAGE sql STABLE SET enable_bitmapscan = off AS $$
    (SELECT coalesce(array_agg(step), '{}'), coalesce(array_agg(value), '{}'),
            CASE WHEN p_with_wall_times THEN coalesce(array_agg(wall_time), '{}') END
     FROM (SELECT step, value, wall_time FROM metrics
           WHERE run_id = p_run_id AND key_id = p_key_id ORDER BY step) AS points)
    UNION ALL
    (SELECT c.steps, c.point_values, CASE WHEN p_with_wall_times THEN c.wall_times END
     FROM metric_chunks c WHERE c.run_id = p_run_id AND c.key_id = p_key_id ORDER BY c.first_step)
$$;

-- A page of one curve for copies and digests: the first p_limit points from step p_from on among
-- the rows, then the first p_limit among the chunks, each as one row of arrays in step order (the
-- Store merges the two and keeps p_limit). Chunks are taken whole, or sliced from the first step at
-- or after p_from (found by bisection), never unnested.
CREATE FUNCTION nnreg_metric_page(p_run_id BIGINT, p_key_id BIGINT, p_from BIGINT, p_limit INTEGER)
RETURNS TABLE (steps BIGINT[], point_values DOUBLE PRECISION[], wall_times DOUBLE PRECISION[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c RECORD;
    s BIGINT[] := '{}';
    v DOUBLE PRECISION[] := '{}';
    w DOUBLE PRECISION[] := '{}';
    low INTEGER;
    high INTEGER;
    take INTEGER;
BEGIN
    RETURN QUERY
        SELECT coalesce(array_agg(page.step), '{}'), coalesce(array_agg(page.value), '{}'), coalesce(array_agg(page.wall_time), '{}')
        FROM (SELECT m.step, m.value, m.wall_time FROM metrics m
              WHERE m.run_id = p_run_id AND m.key_id = p_key_id AND m.step >= p_from ORDER BY m.step LIMIT p_limit) AS page;
    FOR c IN
        SELECT m.first_step, m.point_count, m.steps, m.point_values, m.wall_times FROM metric_chunks m
        WHERE m.run_id = p_run_id AND m.key_id = p_key_id AND m.last_step >= p_from ORDER BY m.first_step
    LOOP
        low := 1;
        IF c.first_step < p_from THEN
            high := c.point_count;
            WHILE low < high LOOP
                IF c.steps[(low + high) / 2] < p_from THEN low := (low + high) / 2 + 1; ELSE high := (low + high) / 2; END IF;
            END LOOP;
        END IF;
        take := least(c.point_count - low + 1, p_limit - cardinality(s));
        IF low = 1 AND take = c.point_count THEN
            s := s || c.steps;
            v := v || c.point_values;
            w := w || c.wall_times;
        ELSE
            s := s || c.steps[low:low + take - 1];
            v := v || c.point_values[low:low + take - 1];
            w := w || c.wall_times[low:low + take - 1];
        END IF;
        EXIT WHEN cardinality(s) >= p_limit;
    END LOOP;
    RETURN QUERY SELECT s, v, w;
END
$$;
