-- Resumable uploads (tus 1.0): each becomes a file of its draft when its last byte arrives.
-- The bytes wait in the draft's staging folder; a row says how many of them are acknowledged,
-- so an upload resumes from there after a dropped connection or a restart.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner_id BIGINT NOT NULL,
    draft_id BIGINT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    length BIGINT NOT NULL,
    -- Bytes written and made durable; beyond them the file holds nothing that counts.
    received BIGINT NOT NULL,
    -- The client's Upload-Metadata header, echoed back as tus asks.
    metadata TEXT NOT NULL,
    created TEXT NOT NULL,
    -- Pushed back by each piece; an unfinished upload is removed after it.
    expires TEXT NOT NULL,
    -- When the last byte arrived and the file joined the draft.
    completed TEXT
);
CREATE INDEX uploads_expires ON uploads (expires);
CREATE INDEX uploads_draft ON uploads (draft_id);
