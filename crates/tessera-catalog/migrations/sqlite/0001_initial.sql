CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created TEXT NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('pid', 0);

CREATE TABLE drafts (
    id BIGINT PRIMARY KEY,
    parent_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    doc TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX drafts_owner ON drafts (owner_id);
CREATE INDEX drafts_parent ON drafts (parent_id);

CREATE TABLE draft_files (
    draft_id BIGINT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    size BIGINT,
    md5 TEXT,
    sha512 TEXT,
    staged BOOLEAN NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (draft_id, key)
);

CREATE TABLE records (
    id BIGINT PRIMARY KEY,
    parent_id BIGINT NOT NULL,
    version_index BIGINT NOT NULL,
    owner_id BIGINT,
    ocfl_version BIGINT NOT NULL,
    doc TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX records_parent ON records (parent_id, version_index);
CREATE INDEX records_owner ON records (owner_id);

CREATE TABLE record_files (
    record_id BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    size BIGINT NOT NULL,
    md5 TEXT NOT NULL,
    sha512 TEXT NOT NULL,
    -- Where the content is, relative to the storage root, so a download needs no inventory.
    content_key TEXT NOT NULL,
    PRIMARY KEY (record_id, key)
);

CREATE TABLE pending_commits (
    parent_id BIGINT PRIMARY KEY,
    started TEXT NOT NULL
);
