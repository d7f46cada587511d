-- Retention: schedules that say how long files are kept, legal holds that stop deletion, and
-- depositors' requests for deletion with the curators' decisions.
CREATE TABLE retention_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: every organization; otherwise the slug of one.
    org_id TEXT,
    -- NULL: files of every class.
    data_class TEXT,
    years BIGINT NOT NULL,
    -- publication or project-end
    anchor TEXT NOT NULL,
    -- delete-files or review
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created TEXT NOT NULL
);

CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    placed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    placed TEXT NOT NULL,
    released_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    released TEXT
);
CREATE INDEX legal_holds_parent ON legal_holds (parent_id) WHERE released IS NULL;

CREATE TABLE deletion_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id BIGINT NOT NULL,
    parent_id BIGINT NOT NULL,
    requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    -- pending, approved or refused
    status TEXT NOT NULL,
    decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided TEXT,
    note TEXT,
    created TEXT NOT NULL
);
CREATE INDEX deletion_requests_record ON deletion_requests (record_id);
