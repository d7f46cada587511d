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
INSERT INTO deleted_files (record_id, key, deletion, size, md5, sha512, ordinal)
SELECT r.id, f.value ->> 'key', d.n - 1, (f.value ->> 'size')::BIGINT, f.value ->> 'md5', f.value ->> 'sha512',
       ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY d.n, f.value ->> 'key' COLLATE "C") - 1
FROM records r
CROSS JOIN LATERAL jsonb_array_elements(r.doc::jsonb -> 'deletions') WITH ORDINALITY AS d (value, n)
CROSS JOIN LATERAL jsonb_array_elements(d.value -> 'files') AS f (value)
ON CONFLICT DO NOTHING;
UPDATE records SET doc = jsonb_set(doc::jsonb, '{deletions}', (
    SELECT jsonb_agg((d.value - 'files') || jsonb_build_object('files_count',
        CASE WHEN jsonb_typeof(d.value -> 'files') = 'array' THEN jsonb_array_length(d.value -> 'files') ELSE 0 END) ORDER BY d.n)
    FROM jsonb_array_elements(records.doc::jsonb -> 'deletions') WITH ORDINALITY AS d (value, n)))::TEXT
WHERE jsonb_typeof(doc::jsonb -> 'deletions') = 'array' AND jsonb_array_length(doc::jsonb -> 'deletions') > 0;
