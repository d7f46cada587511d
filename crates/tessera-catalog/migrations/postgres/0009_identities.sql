-- People who sign in through an OpenID provider: the provider's id in Tessera's settings and
-- the subject it gives them, which never changes (unlike their email).
CREATE TABLE identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_user ON identities (user_id);
