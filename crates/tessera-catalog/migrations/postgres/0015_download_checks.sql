-- Stewards' reviews of sampled restricted downloads: which audit entry was checked, by whom,
-- and what they found.
CREATE TABLE download_checks (
    seq BIGINT PRIMARY KEY,
    org_id TEXT NOT NULL,
    checked_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    checked TEXT NOT NULL,
    -- fine or concern
    verdict TEXT NOT NULL,
    finding TEXT NOT NULL
);
CREATE INDEX download_checks_org ON download_checks (org_id, checked);
