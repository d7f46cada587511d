#!/usr/bin/env python3
"""A local stand-in for DataCite's REST API, for tests: it answers as DataCite documents.

usage: datacite-mock.py PORT USERNAME PASSWORD STORE_DIR

POST /dois with a JSON:API body (Content-Type application/vnd.api+json) and HTTP Basic
credentials creates a draft DOI: only `doi` is required, 201, or 422 when the DOI is taken.
PUT /dois/{prefix}/{suffix} creates or updates the DOI: 201 the first time, 200 after, the body
echoing `data`; with `event: publish` (findable) the attributes DataCite requires for a findable
DOI must all be there, else 422. The latest request is kept as STORE_DIR/{prefix}_{suffix}.json,
with the DOI's `state` (draft or findable) added. DELETE /dois/{doi} deletes a draft DOI: 204,
or 405 for a findable one, 404 for none. Wrong credentials get 401, and GET /dois/{doi}
answers what was stored.
"""
import base64
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, USER, PASSWORD, STORE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
REQUIRED = ["doi", "url", "titles", "creators", "publisher", "publicationYear", "types"]


def path_of(doi):
    return os.path.join(STORE, doi.replace("/", "_") + ".json")


class DataCite(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def do_GET(self):
        if self.path == "/heartbeat":
            return self.answer(200, {"status": "ok"})
        doi = self.path.removeprefix("/dois/")
        if not os.path.exists(path_of(doi)):
            return self.answer(404, {"errors": [{"status": "404", "title": "The resource you are looking for doesn't exist."}]})
        with open(path_of(doi)) as f:
            return self.answer(200, json.load(f))

    def request_body(self):
        """The JSON:API body, or None after answering why it cannot be taken."""
        if not self.authorized():
            return self.answer(401, {"errors": [{"status": "401", "title": "Bad credentials."}]})
        if self.headers.get("Content-Type") != "application/vnd.api+json":
            return self.answer(415, {"errors": [{"status": "415", "title": "Unsupported media type"}]})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if body.get("data", {}).get("type") != "dois":
            return self.answer(422, {"errors": [{"title": "type must be dois"}]})
        return body

    def store(self, doi, body, state):
        body["data"]["attributes"]["state"] = state
        with open(path_of(doi) + ".tmp", "w") as f:
            json.dump(body, f)
        os.replace(path_of(doi) + ".tmp", path_of(doi))

    def do_POST(self):
        body = self.request_body()
        if body is None or self.path != "/dois":
            return None if body is None else self.answer(404, {"errors": [{"status": "404"}]})
        doi = body["data"].get("attributes", {}).get("doi", "")
        if not doi:
            return self.answer(422, {"errors": [{"source": "doi", "title": "can't be blank"}]})
        if os.path.exists(path_of(doi)):
            return self.answer(422, {"errors": [{"source": "doi", "title": "This DOI has already been taken"}]})
        self.store(doi, body, "draft")
        return self.answer(201, body)

    def do_PUT(self):
        body = self.request_body()
        if body is None:
            return None
        doi = self.path.removeprefix("/dois/")
        attributes = body["data"].get("attributes", {})
        findable = attributes.get("event") == "publish"
        missing = [name for name in REQUIRED if not attributes.get(name)] if findable else []
        if attributes.get("doi", "").lower() != doi.lower() or missing:
            return self.answer(422, {"errors": [{"source": name, "title": "can't be blank"} for name in missing] or [{"title": "doi mismatch"}]})
        existed = os.path.exists(path_of(doi))
        self.store(doi, body, "findable" if findable else "draft")
        return self.answer(200 if existed else 201, body)

    def do_DELETE(self):
        if not self.authorized():
            return self.answer(401, {"errors": [{"status": "401", "title": "Bad credentials."}]})
        doi = self.path.removeprefix("/dois/")
        if not os.path.exists(path_of(doi)):
            return self.answer(404, {"errors": [{"status": "404", "title": "The resource you are looking for doesn't exist."}]})
        with open(path_of(doi)) as f:
            state = json.load(f)["data"]["attributes"].get("state")
        if state != "draft":
            return self.answer(405, {"errors": [{"status": "405", "title": "Method not allowed"}]})
        os.remove(path_of(doi))
        self.send_response(204)
        self.end_headers()
        return None

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), DataCite).serve_forever()
