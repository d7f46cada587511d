-- What the organizations' dashboards show, kept as records are published and downloads
-- written, so a dashboard reads a few small rows rather than every record's and file's.
-- The bytes and files each dataset keeps in storage (each content once, however many of its
-- versions list it), and their sums by organization ('' for none).
CREATE TABLE dataset_storage (
    parent_id BIGINT PRIMARY KEY,
    org_id TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    files BIGINT NOT NULL
);
CREATE TABLE org_storage (
    org_id TEXT PRIMARY KEY,
    bytes BIGINT NOT NULL,
    files BIGINT NOT NULL
);
INSERT INTO dataset_storage (parent_id, org_id, bytes, files)
    SELECT d.parent_id, COALESCE((SELECT MAX(o.org_id) FROM records o WHERE o.parent_id = d.parent_id), ''),
           COALESCE(CAST(SUM(kept.size) AS BIGINT), 0), COUNT(kept.content_key)
    FROM (SELECT DISTINCT parent_id FROM records) AS d
    LEFT JOIN (SELECT DISTINCT r.parent_id, f.content_key, f.size FROM record_files f JOIN records r ON r.id = f.record_id) AS kept
        ON kept.parent_id = d.parent_id
    GROUP BY d.parent_id;
INSERT INTO org_storage (org_id, bytes, files)
    SELECT org_id, CAST(SUM(bytes) AS BIGINT), CAST(SUM(files) AS BIGINT) FROM dataset_storage GROUP BY org_id;

-- Versions published and downloads, by organization and month ('2026-11'). A rebuild counts
-- the versions again from storage; downloads are not in storage, so it keeps them.
CREATE TABLE org_monthly (
    org_id TEXT NOT NULL,
    month TEXT NOT NULL,
    versions BIGINT NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (org_id, month)
);
INSERT INTO org_monthly (org_id, month, versions, downloads)
    SELECT COALESCE(org_id, ''), substr(created, 1, 7), COUNT(*), 0 FROM records GROUP BY COALESCE(org_id, ''), substr(created, 1, 7);
INSERT INTO org_monthly (org_id, month, versions, downloads)
    SELECT org_id, month, 0, CAST(SUM(downloads) AS BIGINT) FROM
        (SELECT COALESCE((SELECT MAX(r.org_id) FROM records r WHERE r.parent_id = d.parent_id), '') AS org_id, d.month, d.downloads
         FROM download_counts d) AS counted
    WHERE true GROUP BY org_id, month
    ON CONFLICT (org_id, month) DO UPDATE SET downloads = excluded.downloads;
