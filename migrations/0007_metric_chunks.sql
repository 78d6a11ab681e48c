-- Every metric point as a row, for checks and counts. On PostgreSQL points logged in bulk are
-- stored as chunks of arrays and this view joins them to the rows of metrics (see
-- migrations/postgresql/0007_metric_chunks.sql); a SQLite store keeps a row per point (inserting
-- and reading one costs about a microsecond in-process), so here it is metrics itself.
CREATE VIEW metric_points AS SELECT run_id, key_id, step, value, wall_time FROM metrics;
