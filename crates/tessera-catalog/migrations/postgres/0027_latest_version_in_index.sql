-- A record's latest version is asked for with every record read (each search hit, each
-- page): with the id in the index too, the answer comes from the index alone.
DROP INDEX records_parent;
CREATE INDEX records_parent ON records (parent_id, version_index, id);
