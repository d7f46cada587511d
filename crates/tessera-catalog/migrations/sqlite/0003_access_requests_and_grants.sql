-- Requests for access to a dataset's restricted files, the stewards' decisions on them, and the
-- grants that follow. A grant covers every version of the dataset (its parent).
CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    -- The dataset's organization when asked, so its stewards find the request in their queue.
    org_id TEXT,
    requester_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    project TEXT NOT NULL,
    intended_use TEXT NOT NULL,
    requested_days BIGINT,
    -- A JSON list of file keys, or NULL for all files.
    files TEXT,
    -- pending, approved (waiting for the requester to accept), refused, accepted, withdrawn
    status TEXT NOT NULL,
    decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided TEXT,
    reason TEXT,
    expires TEXT,
    field_of_use TEXT,
    agreement TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX access_requests_parent ON access_requests (parent_id);
CREATE INDEX access_requests_requester ON access_requests (requester_id);
CREATE INDEX access_requests_org ON access_requests (org_id, status);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT,
    parent_id BIGINT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    files TEXT,
    purpose TEXT NOT NULL,
    field_of_use TEXT,
    agreement TEXT,
    granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    revoked TEXT,
    revoked_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoke_reason TEXT
);
CREATE INDEX grants_user_parent ON grants (user_id, parent_id);
CREATE INDEX grants_parent ON grants (parent_id);
