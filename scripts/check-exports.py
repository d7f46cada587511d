#!/usr/bin/env python3
"""Reads Tessera's exports with the reference libraries and reports what they found, as JSON.

usage:
  check-exports.py rdf TURTLE JSONLD   parse both with rdflib; they must be the same graph
  check-exports.py schema-org JSONLD   parse schema.org JSON-LD with rdflib (offline: the
                                       schema.org context is replaced by its @vocab)
  check-exports.py bibtex FILE         parse with bibtexparser
  check-exports.py bagit ZIP           unpack, validate with bagit-python (every checksum and
                                       the Payload-Oxum), and list the bag's info and payload
  check-exports.py datapackage ZIP     unpack, validate with frictionless (descriptor, hashes,
                                       sizes, every row against its Table Schema)

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
    import zipfile

    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp)
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


def main():
    kind, *files = sys.argv[1:] or [""]
    if kind == "rdf" and len(files) == 2:
        result = rdf(*files)
    elif kind == "schema-org" and len(files) == 1:
        result = schema_org(files[0])
    elif kind == "bibtex" and len(files) == 1:
        result = bibtex(files[0])
    elif kind == "bagit" and len(files) == 1:
        result = bag(files[0])
    elif kind == "datapackage" and len(files) == 1:
        result = datapackage(files[0])
    else:
        sys.exit(__doc__)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
