-- What a job needs beside its key, as JSON (an email's recipients, subject and text).
ALTER TABLE jobs ADD COLUMN payload TEXT;
