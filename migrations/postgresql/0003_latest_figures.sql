-- Each run's latest point per metric, and its test accuracy, in PostgreSQL's dialect (the SQLite
-- file of the same id explains them).

CREATE TABLE metric_latest (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key_id BIGINT NOT NULL REFERENCES metric_keys (id),
    step   BIGINT NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, key_id)
);

INSERT INTO metric_latest (run_id, key_id, step, value)
    SELECT DISTINCT ON (run_id, key_id) run_id, key_id, step, value FROM metrics
    WHERE run_id IN (SELECT id FROM runs) AND key_id IN (SELECT id FROM metric_keys)
    ORDER BY run_id, key_id, step DESC;

ALTER TABLE runs ADD COLUMN test_accuracy DOUBLE PRECISION;
UPDATE runs SET test_accuracy = (
    SELECT e.accuracy FROM evaluations e
    WHERE e.run_id = runs.id AND e.split = 'test' AND e.step = (SELECT max(step) FROM checkpoints WHERE run_id = runs.id)
    ORDER BY e.created_at DESC, e.id DESC LIMIT 1);

CREATE INDEX params_by_key ON params (key, run_id, value);
