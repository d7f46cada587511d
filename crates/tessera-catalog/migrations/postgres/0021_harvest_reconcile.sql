-- Full harvests that find what a partner removed without saying so: a repository that keeps
-- no deleted records, or a record that left the harvested set, simply stops being listed.
ALTER TABLE harvest_sources ADD COLUMN deleted_record TEXT NOT NULL DEFAULT 'persistent';
-- Whether the list in progress asks for everything (no `from`), and when the last such list began.
ALTER TABLE harvest_sources ADD COLUMN list_full BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE harvest_sources ADD COLUMN last_full TEXT;
-- When the list that last named the record began.
ALTER TABLE remote_records ADD COLUMN seen TEXT NOT NULL DEFAULT '';
