-- How many times each dataset's files were downloaded in each month ('2026-11'), for the
-- organizations' dashboards: whole files and archives, not ranges after the first.
CREATE TABLE download_counts (
    parent_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (parent_id, month)
);
