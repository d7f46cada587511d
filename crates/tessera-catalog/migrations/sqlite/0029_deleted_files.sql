-- The tombstones of a record's deleted files, a row each, rather than in the record's
-- document: a record whose 100,000 files were deleted would otherwise carry every one of them
-- into each view and download of it. The document keeps when, why and how many.
CREATE TABLE deleted_files (
    record_id BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    -- Which of the record's deletions took it: its place in the document's list, from 0.
    deletion BIGINT NOT NULL,
    size BIGINT NOT NULL,
    md5 TEXT NOT NULL,
    sha512 TEXT NOT NULL,
    -- Its place in the record's list of deleted files: by deletion, then key.
    ordinal BIGINT NOT NULL,
    PRIMARY KEY (record_id, key)
);
CREATE INDEX deleted_files_ordinal ON deleted_files (record_id, ordinal);
INSERT OR IGNORE INTO deleted_files (record_id, key, deletion, size, md5, sha512, ordinal)
SELECT r.id, json_extract(f.value, '$.key'), d.key, json_extract(f.value, '$.size'), json_extract(f.value, '$.md5'),
       json_extract(f.value, '$.sha512'), ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY d.key, json_extract(f.value, '$.key')) - 1
FROM records r, json_each(r.doc, '$.deletions') d, json_each(d.value, '$.files') f;
UPDATE records SET doc = json_set(doc, '$.deletions', json((
    SELECT json_group_array(json_set(json_remove(d.value, '$.files'), '$.files_count', COALESCE(json_array_length(d.value, '$.files'), 0)))
    FROM (SELECT value FROM json_each(records.doc, '$.deletions') ORDER BY key) d)))
WHERE json_type(doc, '$.deletions') = 'array';
