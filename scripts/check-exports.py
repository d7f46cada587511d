#!/usr/bin/env python3
"""Reads Tessera's exports with the reference libraries and reports what they found, as JSON.

usage:
  check-exports.py rdf TURTLE JSONLD   parse both with rdflib; they must be the same graph
  check-exports.py schema-org JSONLD   parse schema.org JSON-LD with rdflib (offline: the
                                       schema.org context is replaced by its @vocab)
  check-exports.py bibtex FILE         parse with bibtexparser
  check-exports.py ris FILE            parse with rispy
  check-exports.py bagit ZIP|TAR       unpack, validate with bagit-python (every checksum and
                                       the Payload-Oxum), and list the bag's info and payload
  check-exports.py datapackage ZIP     unpack, validate with frictionless (descriptor, hashes,
                                       sizes, every row against its Table Schema)
  check-exports.py ro-crate ZIP|DIR    unpack, validate with rocrate-validator against the
                                       RO-Crate 1.1 profile's REQUIRED checks

Exits 1, saying why, when a file does not parse or the two RDF graphs differ.
"""
import json
import os
import sys

import rdflib
from rdflib.compare import isomorphic


def rdf(turtle, jsonld):
    a = rdflib.Graph().parse(turtle, format="turtle")
    b = rdflib.Graph().parse(jsonld, format="json-ld")
    if not isomorphic(a, b):
        sys.exit(f"the Turtle ({len(a)} triples) and JSON-LD ({len(b)} triples) graphs differ")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    datasets = [str(s) for s in a.subjects(rdflib.RDF.type, dcat.Dataset)]
    distributions = list(a.subjects(rdflib.RDF.type, dcat.Distribution))
    return {"triples": len(a), "datasets": datasets, "distributions": len(distributions)}


def schema_org(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("@context") != "https://schema.org":
        sys.exit("the @context is not schema.org's")
    doc["@context"] = {"@vocab": "https://schema.org/"}
    g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    types = sorted({str(o) for o in g.objects(None, rdflib.RDF.type)})
    return {"triples": len(g), "types": types}


def bibtex(path):
    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    with open(path, encoding="utf-8") as f:
        parser = BibTexParser(common_strings=True)
        db = bibtexparser.load(f, parser=parser)
    if len(db.entries) != 1:
        sys.exit(f"expected one entry, read {len(db.entries)}")
    return db.entries[0]


def ris(path):
    import rispy

    with open(path, encoding="utf-8") as f:
        entries = rispy.load(f)
    if len(entries) != 1:
        sys.exit(f"expected one entry, read {len(entries)}")
    return entries[0]


def bag(path):
    import tempfile

    import bagit

    with tempfile.TemporaryDirectory() as tmp:
        root = unpacked(path, tmp)
        b = bagit.Bag(root)
        try:
            b.validate()
        except bagit.BagValidationError as e:
            sys.exit(f"the bag is not valid: {e}")
        return {
            "root": os.path.basename(root),
            "version": b.version,
            "info": b.info,
            "payload": sorted(b.payload_files()),
            "tags": sorted(b.tagfile_entries()),
            "algorithms": b.algorithms,
        }


def unpacked(path, tmp):
    """The package's folder: `path` itself when it is one, else the one folder its zip or tar
    archive holds."""
    import tarfile
    import zipfile

    if os.path.isdir(path):
        return path
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp)
    else:
        with tarfile.open(path) as archive:
            archive.extractall(tmp, filter="data")
    roots = os.listdir(tmp)
    if len(roots) != 1:
        sys.exit(f"expected one folder in the zip, found {roots}")
    return os.path.join(tmp, roots[0])


def datapackage(path):
    import tempfile

    import frictionless

    with tempfile.TemporaryDirectory() as tmp:
        root = unpacked(path, tmp)
        report = frictionless.validate(os.path.join(root, "datapackage.json"))
        errors = [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors] + [
            f"{e.type}: {e.message}" for e in report.errors
        ]
        with open(os.path.join(root, "datapackage.json"), encoding="utf-8") as f:
            descriptor = json.load(f)
        return {"valid": report.valid, "errors": errors, "descriptor": descriptor}


def offline_ro_crate_context():
    """rocrate-validator fetches the RO-Crate JSON-LD context from w3id.org, through rdflib's
    urlopen and through requests. Offline, both are answered with the context ro-crate-py
    ships (version 1.3, whose terms include every term of 1.1 with the same meaning)."""
    import email.message
    import io
    import urllib.response

    import rdflib.parser
    import requests.adapters
    import rocrate
    import urllib3

    with open(os.path.join(os.path.dirname(rocrate.__file__), "data", "ro-crate.jsonld"), "rb") as f:
        context = f.read()
    prefix = "https://w3id.org/ro/crate/"
    urlopen = rdflib.parser._urlopen

    def offline_urlopen(request):
        url = getattr(request, "full_url", str(request))
        if not url.startswith(prefix):
            return urlopen(request)
        headers = email.message.Message()
        headers["Content-Type"] = "application/ld+json"
        return urllib.response.addinfourl(io.BytesIO(context), headers, url, 200)

    rdflib.parser._urlopen = offline_urlopen
    send = requests.adapters.HTTPAdapter.send

    def offline_send(adapter, request, *args, **kwargs):
        if not request.url.startswith(prefix):
            return send(adapter, request, *args, **kwargs)
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(context),
            headers={"Content-Type": "application/ld+json"},
            status=200,
            preload_content=False,
            request_url=request.url,
        )
        return adapter.build_response(request, raw)

    requests.adapters.HTTPAdapter.send = offline_send
    from rocrate_validator.utils.http import HttpRequester

    # The validator's HTTP cache would keep the answers in a file of its own; plain requests do.
    HttpRequester(no_cache=True)


def ro_crate(path):
    import tempfile

    offline_ro_crate_context()
    from rocrate_validator import services
    from rocrate_validator.models import Severity

    with tempfile.TemporaryDirectory() as tmp:
        root = unpacked(path, tmp)
        result = services.validate(
            {"rocrate_uri": root, "profile_identifier": "ro-crate-1.1", "requirement_severity": "REQUIRED"}
        )
        issues = [f"{issue.check.identifier}: {issue.message}" for issue in result.get_issues(Severity.REQUIRED)]
        with open(os.path.join(root, "ro-crate-metadata.json"), encoding="utf-8") as f:
            metadata = json.load(f)
        return {"valid": result.passed(Severity.REQUIRED), "issues": issues, "metadata": metadata}


def main():
    kind, *files = sys.argv[1:] or [""]
    if kind == "rdf" and len(files) == 2:
        result = rdf(*files)
    elif kind == "schema-org" and len(files) == 1:
        result = schema_org(files[0])
    elif kind == "bibtex" and len(files) == 1:
        result = bibtex(files[0])
    elif kind == "ris" and len(files) == 1:
        result = ris(files[0])
    elif kind == "bagit" and len(files) == 1:
        result = bag(files[0])
    elif kind == "datapackage" and len(files) == 1:
        result = datapackage(files[0])
    elif kind == "ro-crate" and len(files) == 1:
        result = ro_crate(files[0])
    else:
        sys.exit(__doc__)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
