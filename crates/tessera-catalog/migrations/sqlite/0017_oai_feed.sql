-- What OAI-PMH harvesters see of each published record version. An item is renumbered
-- (seq) and restamped each time that changes, and datestamps never go backwards as seq
-- grows, so a harvest that resumes after (datestamp, seq) never skips a change.
CREATE TABLE oai_items (
    record_id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    -- UTC, to the second: 2026-11-29T19:04:28Z.
    datestamp TEXT NOT NULL,
    -- Under a takedown: harvesters are told the record is deleted.
    deleted BOOLEAN NOT NULL
);
CREATE INDEX oai_items_order ON oai_items (datestamp, seq);

-- The sets of each item, with its place in the order copied, so a set is one index range.
CREATE TABLE oai_item_sets (
    set_spec TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    datestamp TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (set_spec, record_id)
);
CREATE INDEX oai_item_sets_order ON oai_item_sets (set_spec, datestamp, seq);
CREATE INDEX oai_item_sets_record ON oai_item_sets (record_id);

INSERT INTO counters (name, value) VALUES ('oai', 0);
