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
    -- Whether the list in progress asks for every record (no `from`), and when the last such
    -- list began: a full list finds what a partner removed without saying so (one that keeps
    -- no deleted records, or a record that left the harvested set).
    list_full BOOLEAN NOT NULL DEFAULT FALSE,
    last_full TEXT,
    last_finished TEXT,
    -- As the repository's Identify says: no, transient or persistent.
    deleted_record TEXT NOT NULL,
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
    -- When the list that last named the record began.
    seen TEXT NOT NULL,
    UNIQUE (source_id, identifier)
);
