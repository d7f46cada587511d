-- A draft's files in order of digest, then key: a publish reads them so a page at a time, and
-- the new version's state is made as they come, never held whole.
CREATE INDEX draft_files_by_digest ON draft_files (draft_id, sha512, key);
