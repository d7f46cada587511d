-- People named on a dataset beside its organization's: its curators, who may edit it, and its
-- stewards, who decide who may use its data. Kept per dataset, so naming someone needs no new
-- version.
CREATE TABLE dataset_people (
    parent_id BIGINT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (parent_id, role, user_id)
);
