-- Resumable uploads: tus 1.0 uploads, each of which becomes a file of its draft when its last
-- byte arrives, and InvenioRDM's multipart transfers, whose parts arrive in any order and are
-- committed together. The bytes wait in the draft's staging folder; a row says how many of
-- them (or which parts) are acknowledged, so an upload resumes after a dropped connection or
-- a restart.
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
    completed TEXT,
    -- For a multipart transfer, every part's size but the last's; NULL for tus.
    part_size BIGINT
);
CREATE INDEX uploads_expires ON uploads (expires);
CREATE INDEX uploads_draft ON uploads (draft_id);

-- The parts of a multipart transfer that have arrived whole.
CREATE TABLE upload_parts (
    upload_id TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    part BIGINT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (upload_id, part)
);
