-- Problems reported with a record (a privacy breach, wrong data, a rights claim), and
-- takedowns: while one is in force, nobody but those who review the dataset reaches it.
CREATE TABLE incident_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id BIGINT NOT NULL,
    parent_id BIGINT NOT NULL,
    -- privacy-breach, wrong-data, rights-claim or other
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    reporter_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- Where to tell an anonymous reporter the outcome.
    reporter_email TEXT,
    -- open, investigating or closed
    status TEXT NOT NULL,
    -- restored, deleted, dismissed or corrected, once closed
    outcome TEXT,
    note TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX incident_reports_status ON incident_reports (status);

CREATE TABLE takedowns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT NOT NULL,
    report_id BIGINT,
    reason TEXT NOT NULL,
    placed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    placed TEXT NOT NULL,
    lifted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    lifted TEXT,
    -- restored or deleted
    outcome TEXT
);
CREATE INDEX takedowns_parent ON takedowns (parent_id) WHERE lifted IS NULL;
