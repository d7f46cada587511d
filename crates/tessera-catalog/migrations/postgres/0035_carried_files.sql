-- A new version's draft carries the files of the version it starts from by reference to that
-- record (`carried_from`) instead of by a copy of each file's row: the copy took 0.55 s at
-- 100,000 files, in the request that makes the draft. The draft's own rows are what changed:
-- a file added or replaced, or, with status 'removed', a carried file deleted. A publish copies
-- the carried rows in at its start, off the request.
ALTER TABLE drafts ADD COLUMN carried_from BIGINT;

-- A record's files in key order as bytes, as a draft carrying them lists them beside its own.
CREATE INDEX record_files_in_byte_order ON record_files (record_id, key COLLATE "C");

-- The totals count the draft's own rows, never a deleted file's mark; the carried files are
-- counted from their record's totals (`Catalog::draft_files_summary`).
CREATE OR REPLACE FUNCTION draft_totals_file_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE draft_totals t SET files = t.files - c.files, bytes = t.bytes - c.bytes
        FROM (SELECT draft_id, COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM old_rows WHERE status <> 'removed' GROUP BY draft_id) c
        WHERE t.draft_id = c.draft_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE draft_totals t SET files = t.files + c.files, bytes = t.bytes + c.bytes
        FROM (SELECT draft_id, COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM new_rows WHERE status <> 'removed' GROUP BY draft_id) c
        WHERE t.draft_id = c.draft_id;
    END IF;
    RETURN NULL;
END $$;
