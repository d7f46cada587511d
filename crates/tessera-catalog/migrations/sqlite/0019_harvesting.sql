-- Partner repositories harvested over OAI-PMH, and what was harvested from them. Harvested
-- records are not Tessera's to preserve: they live only here (and in the search index), and
-- the next harvest brings back whatever is lost.
CREATE TABLE harvest_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The origin's short name: the facet value and the name operators use.
    name TEXT NOT NULL UNIQUE,
    base_url TEXT NOT NULL,
    -- '' harvests the whole repository.
    set_spec TEXT NOT NULL,
    metadata_prefix TEXT NOT NULL,
    -- As the repository's Identify names it.
    repository_name TEXT NOT NULL,
    -- Whether the repository takes `from` to the second, or only to the day.
    seconds BOOLEAN NOT NULL,
    created TEXT NOT NULL,
    -- The `from` of the next incremental harvest: when the last complete one began.
    harvested_from TEXT,
    -- A harvest in progress: the token of its next page, and when it began.
    resume_token TEXT,
    list_started TEXT,
    last_finished TEXT,
    UNIQUE (base_url, set_spec, metadata_prefix)
);

CREATE TABLE remote_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id BIGINT NOT NULL,
    -- The OAI-PMH identifier at the origin.
    identifier TEXT NOT NULL,
    datestamp TEXT NOT NULL,
    -- JSON: the metadata mapped onto Tessera's, the landing page at the origin, access.
    doc TEXT NOT NULL,
    UNIQUE (source_id, identifier)
);
