-- Links that let someone without an account (a reviewer) see a dataset, until they expire or
-- are revoked. Only the hash of the secret is kept.
CREATE TABLE secret_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- metadata or files
    permission TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created TEXT NOT NULL,
    expires TEXT,
    revoked TEXT
);
CREATE INDEX secret_links_parent ON secret_links (parent_id);
