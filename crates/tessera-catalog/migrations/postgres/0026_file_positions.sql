-- Each published file's place in its record's list, in byte order of its key: a published
-- version's files never change, so a page of the list is one index range, the last as cheap
-- as the first, however many files the record has.
ALTER TABLE record_files ADD COLUMN ordinal BIGINT NOT NULL DEFAULT 0;
UPDATE record_files SET ordinal = numbered.n
FROM (SELECT record_id AS r, key AS k, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY key COLLATE "C") - 1 AS n FROM record_files) AS numbered
WHERE record_files.record_id = numbered.r AND record_files.key = numbered.k;
CREATE INDEX record_files_ordinal ON record_files (record_id, ordinal);
