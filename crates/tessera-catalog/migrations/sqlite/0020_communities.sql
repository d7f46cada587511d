-- Communities: collections that an organization's curators keep, across datasets of any
-- organization. Which datasets are in one is stored with each record in OCFL storage; this
-- table only names them.
CREATE TABLE communities (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- Whose curators decide what is in it.
    organization TEXT NOT NULL,
    created TEXT NOT NULL
);
