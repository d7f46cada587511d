-- With no retention schedule in force, only a record's own deletion date can make its files
-- due: the daily sweep then reads just the records this index lists, not every document.
CREATE INDEX records_own_deletion ON records (id) WHERE (doc::jsonb #>> '{access,retention,delete_files_on}') IS NOT NULL;
