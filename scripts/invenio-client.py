#!/usr/bin/env python3
"""Drives Tessera's records API with inveniordm-py, InvenioRDM's own Python client, for the tests.

  invenio-client.py BASE_URL TOKEN

creates a draft, retitles it, declares two files, uploads and commits them, publishes, reads the
record, its files and one file's content back, searches for it, starts a new version, deletes a
file from its draft and imports it again (files-import), reads a carried and a new file of that
draft back, reads the latest version, opens an edit, and tries to publish a draft that lacks a
title. Prints what the
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
    # The new version's draft by its own id: the client would build its address from the
    # record's.
    version = client.records(seen["new_version"]).draft
    version.files("readme.txt").delete()
    # inveniordm-py 0.1.1's own import_files cannot send the request, so it is sent as the
    # client would.
    imported = client.session.post(version.url("/actions/files-import"))
    imported.raise_for_status()
    seen["imported"] = {"status": imported.status_code, "keys": sorted(entry["key"] for entry in imported.json()["entries"])}
    seen["carried"] = version.files("readme.txt").download().content.decode()
    version.files.create(FilesListMetadata([{"key": "notes.txt"}]))
    version.files("notes.txt").set_contents(stream(b"Added in version 2.\n"))
    version.files("notes.txt").commit()
    seen["staged"] = version.files("notes.txt").download().content.decode()
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
