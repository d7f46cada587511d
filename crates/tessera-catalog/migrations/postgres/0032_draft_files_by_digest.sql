-- A draft's files in order of digest, then key: a publish reads them so a page at a time, and
-- the new version's state is made as they come, never held whole. Keys and digests are
-- ordered as bytes, as SQLite and the OCFL inventory order them, whatever the database's
-- locale; the draft's file list is read in that order too.
CREATE INDEX draft_files_by_digest ON draft_files (draft_id, sha512 COLLATE "C", key COLLATE "C");
CREATE INDEX draft_files_in_byte_order ON draft_files (draft_id, key COLLATE "C");
