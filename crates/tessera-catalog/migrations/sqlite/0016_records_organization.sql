-- Each record's organization as a column, so an organization's datasets are found by index
-- rather than by reading every record document.
ALTER TABLE records ADD COLUMN org_id TEXT;
UPDATE records SET org_id = json_extract(doc, '$.organization');
CREATE INDEX records_org ON records (org_id, parent_id);
