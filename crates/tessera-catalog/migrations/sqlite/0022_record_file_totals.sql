-- Each record's number of files and their bytes, kept with its row, so that reading a record
-- (its landing page, one of its files) costs the same however many files it has.
ALTER TABLE records ADD COLUMN files_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN files_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE records SET
    files_count = (SELECT COUNT(*) FROM record_files f WHERE f.record_id = records.id),
    files_bytes = (SELECT COALESCE(SUM(f.size), 0) FROM record_files f WHERE f.record_id = records.id);
