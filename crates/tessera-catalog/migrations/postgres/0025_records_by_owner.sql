-- A depositor's records newest first, a page at a time, however many they deposited.
DROP INDEX records_owner;
CREATE INDEX records_owner ON records (owner_id, id);
