"""Copies the latest version of every record in a Tessera catalogue into a SQLite database
for datasette, the peer of Tessera's search in bench/peers.sh (datasette finds the FTS5 index by
its content="records", in double quotes): one row a record, with the
columns the benchmark filters and counts on, an index on each, and an FTS5 index over the
words Tessera searches (title, description, creators, affiliations, subjects).

Usage: python datasette-records.py CATALOG_DB OUT_DB
"""
import json
import sqlite3
import sys

catalog = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
out = sqlite3.connect(sys.argv[2])
out.executescript("""
CREATE TABLE records (
    id INTEGER PRIMARY KEY, title TEXT, description TEXT, creators TEXT, resource_type TEXT,
    language TEXT, license TEXT, publication_year TEXT, subjects TEXT
);
""")


def row(doc):
    meta = doc["metadata"]
    people = [c["person_or_org"].get("name", "") for c in meta.get("creators", [])]
    places = [a.get("name", "") for c in meta.get("creators", []) for a in c.get("affiliations", [])]
    first = lambda key: (meta.get(key) or [{}])[0].get("id")
    return (
        doc["id"], meta.get("title"), meta.get("description"), "; ".join(people + places),
        meta.get("resource_type", {}).get("id"), first("languages"), first("rights"),
        meta.get("publication_date", "")[:4], json.dumps([s["subject"] for s in meta.get("subjects", [])]),
    )


# The latest version of each dataset: the highest version_index of its parent.
latest = """SELECT doc FROM records r WHERE version_index =
            (SELECT MAX(version_index) FROM records WHERE parent_id = r.parent_id)"""
out.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?)", (row(json.loads(d)) for (d,) in catalog.execute(latest)))
out.executescript("""
CREATE INDEX records_resource_type ON records(resource_type);
CREATE INDEX records_language ON records(language);
CREATE INDEX records_license ON records(license);
CREATE INDEX records_publication_year ON records(publication_year);
CREATE VIRTUAL TABLE records_fts USING fts5(title, description, creators, subjects, content="records", content_rowid="id");
INSERT INTO records_fts(records_fts) VALUES ('rebuild');
""")
out.commit()
print(out.execute("SELECT COUNT(*) FROM records").fetchone()[0])
