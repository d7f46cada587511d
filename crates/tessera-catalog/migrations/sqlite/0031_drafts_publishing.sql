-- When a draft's publish began, while it runs. Every change to the draft is refused meanwhile,
-- so a file deleted as the draft is published is never published behind an answer that said
-- it was deleted, nor a file added lost behind one that said it was added.
ALTER TABLE drafts ADD COLUMN publishing TEXT;
