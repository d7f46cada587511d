#!/usr/bin/env python3
"""Drives Tessera's records API with inveniordm-py, InvenioRDM's own Python client, for the tests.

  invenio-client.py BASE_URL TOKEN

creates a draft, retitles it, declares two files, uploads and commits them, publishes, reads the
record, its files and one file's content back, searches for it, starts a new version, reads the
latest version, opens an edit, and tries to publish a draft that lacks a title. Prints what the
client got back at each step as one JSON object on standard output.
"""
import io
import json
import sys

import requests
from inveniordm_py.client import InvenioAPI
from inveniordm_py.files.metadata import FilesListMetadata, OutgoingStream
from inveniordm_py.records.metadata import DraftMetadata

FILES = {"readme.txt": b"Gauges read daily.\n", "data/levels.csv": b"site,level\nA,1.5\nB,2.25\n"}


def body(title):
    return {
        "metadata": {
            "title": title,
            "resource_type": {"id": "dataset"},
            "publication_date": "2024",
            "creators": [{"person_or_org": {"family_name": "Brown", "given_name": "Troy", "type": "personal"}}],
            "publisher": "Tessera",
        }
    }


def stream(content):
    # inveniordm-py 0.1.1 keeps keyword arguments as a dict, which requests would send
    # form-encoded: the body is given as the stream itself.
    outgoing = OutgoingStream()
    outgoing._data = io.BytesIO(content)
    return outgoing


def main(base_url, token):
    client = InvenioAPI(base_url + "/api", token)
    seen = {}
    draft = client.records.create(data=DraftMetadata(**body("River gauges")))
    seen["draft"] = draft.data["id"]
    draft.update(data=DraftMetadata(**body("River gauges, 2024")))
    seen["retitled"] = draft.data["metadata"]["title"]
    draft.files.create(FilesListMetadata([{"key": key} for key in FILES]))
    seen["checksums"] = {}
    for file in draft.files:
        key = file.data["key"]
        file.set_contents(stream(FILES[key]))
        file.commit()
        seen["checksums"][key] = file.get().data["checksum"]
    record = draft.publish()
    seen["published"] = {"id": record.data["id"], "is_published": record.data["is_published"]}
    item = client.records(record.data["id"])
    seen["title"] = item.get().data["metadata"]["title"]
    seen["files"] = sorted(entry["key"] for entry in item.files.get().data["entries"])
    seen["content"] = item.files("data/levels.csv").download().content.decode()
    page = client.records.search(q="gauges")
    seen["search"] = [hit.data["id"] for hit in page]
    seen["new_version"] = item.new_version().data["id"]
    seen["latest"] = item.versions.latest().data["id"]
    seen["edit"] = item.edit().data["id"]
    untitled = client.records.create(data=DraftMetadata(**body("")))
    try:
        untitled.publish()
        seen["untitled"] = "published"
    except requests.HTTPError as err:
        seen["untitled"] = {"status": err.response.status_code, "problem": err.response.json()}
    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
