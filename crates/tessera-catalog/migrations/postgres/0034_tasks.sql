-- Long requests answered at once (`Prefer: respond-async`) and carried on in the background:
-- what each was asked, by whom, and how it ended, read by its asker until it is forgotten.
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    -- publish or unpack
    kind TEXT NOT NULL,
    -- The draft acted on.
    record_id BIGINT NOT NULL,
    -- Who asked: only they read it.
    owner_id BIGINT NOT NULL,
    -- running, done or failed
    status TEXT NOT NULL,
    -- JSON: what the work came to, once done (an unpack's counts).
    result TEXT,
    -- JSON: the problem the request would have answered, once failed.
    problem TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX tasks_status ON tasks (status, updated);
