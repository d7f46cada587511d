-- Durable background work: a row per job, kept until the job has run, so a restart loses none.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    -- What the job is about, such as a record id; one job of a kind per key.
    key TEXT NOT NULL,
    -- RFC 3339 UTC; the job runs at or after this time.
    run_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created TEXT NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_run_at ON jobs (run_at);
