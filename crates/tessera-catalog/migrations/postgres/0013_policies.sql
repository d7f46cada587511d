-- Policies as versioned documents (data use agreements and Tessera's own licences). Their
-- truth is each policy's OCFL object; these rows are derived, like records'.
CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    -- agreement or licence
    kind TEXT NOT NULL,
    org_id TEXT,
    created TEXT NOT NULL
);

CREATE TABLE policy_versions (
    policy_id TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    effective TEXT NOT NULL,
    -- The version as stored (policy.json).
    doc TEXT NOT NULL,
    PRIMARY KEY (policy_id, version)
);

-- An approval may name an agreement; the grant then records the version its holder accepted,
-- and, when a steward asks, the version they must accept before access resumes.
ALTER TABLE access_requests ADD COLUMN policy_id TEXT;
ALTER TABLE grants ADD COLUMN policy_id TEXT;
ALTER TABLE grants ADD COLUMN policy_version BIGINT;
ALTER TABLE grants ADD COLUMN reaccept_version BIGINT;
CREATE INDEX grants_policy ON grants (policy_id);
