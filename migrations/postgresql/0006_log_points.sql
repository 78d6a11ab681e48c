-- One display step in one statement (nnreg_log_points): its points, each key's latest point, and, when a heartbeat
-- time is given, the run's progress (steps_done and heartbeat_at), as the Store's logMetrics and
-- logStep write them with several statements on SQLite. On a server every statement is a round trip
-- (about 0.1 ms on loopback); this function makes a step one, and its plans are prepared once per
-- session.
--
-- Like every nnreg write transaction it first takes the writers' advisory lock (PostgreSQLDatabase.
-- writerLock, "nnreg" in ASCII); each statement after it sees what the writer before committed.
-- A run that does not exist is error NNR01 and nothing is written. `p_key_ids` holds distinct keys.
CREATE FUNCTION nnreg_log_points(
    p_run_id BIGINT, p_step BIGINT, p_key_ids BIGINT[], p_values DOUBLE PRECISION[],
    p_wall_time DOUBLE PRECISION, p_heartbeat_at DOUBLE PRECISION
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(474299393383);
    PERFORM 1 FROM runs WHERE id = p_run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % not found', p_run_id USING ERRCODE = 'NNR01';
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

-- One curve as one row of arrays, in step order: rows one by one cost a client about 3 µs each, a
-- row of arrays arrives as one message. The rows come from the primary key's index in step order,
-- which the aggregates keep (the Store checks). Bitmap scans are off inside: on a table the planner
-- has no statistics for yet (a new store, a bulk import a moment ago) it would choose one and then
-- sort 100,000 points, 95 ms instead of 60. `p_with_wall_times` false leaves the wall times NULL.
CREATE FUNCTION nnreg_metric_arrays(p_run_id BIGINT, p_key_id BIGINT, p_with_wall_times BOOLEAN)
RETURNS TABLE (steps BIGINT[], point_values DOUBLE PRECISION[], wall_times DOUBLE PRECISION[])
LANGUAGE sql STABLE SET enable_bitmapscan = off AS $$
    SELECT array_agg(step), array_agg(value), array_agg(wall_time) FILTER (WHERE p_with_wall_times)
    FROM (SELECT step, value, wall_time FROM metrics
          WHERE run_id = p_run_id AND key_id = p_key_id ORDER BY step) AS points
$$;
