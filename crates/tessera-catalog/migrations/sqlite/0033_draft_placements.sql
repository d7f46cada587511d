-- Where a publish stores the content of its draft's files, by SHA-512, as the new version's
-- inventory says: written and read in the transaction that publishes the draft, so that its
-- record's file rows are copied from the draft's in one statement, and gone when it commits.
CREATE TABLE draft_placements (
    draft_id BIGINT NOT NULL,
    sha512 TEXT NOT NULL,
    content_key TEXT NOT NULL,
    PRIMARY KEY (draft_id, sha512)
);
