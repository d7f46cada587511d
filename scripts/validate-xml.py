#!/usr/bin/env python3
"""Validates XML documents against the official schemas, offline.

usage: validate-xml.py oai-pmh|datacite|oai_dc FILE...

`oai-pmh` checks OAI-PMH 2.0 responses, with what sits inside <metadata> checked against the
oai_dc and DataCite 4.6 schemas; `datacite` and `oai_dc` check standalone documents. The schemas
come from $TESSERA_FIXTURES/xsd. Prints each invalid file with its first error and exits 1 if
any was invalid.
"""
import os
import sys

import xmlschema

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DATACITE = "http://datacite.org/schema/kernel-4"


def schema(kind, xsd):
    datacite = os.path.join(xsd, "datacite-4.6", "metadata.xsd")
    oai = os.path.join(xsd, "oai-pmh")
    if kind == "datacite":
        return xmlschema.XMLSchema10(datacite, allow="local")
    if kind == "oai_dc":
        return xmlschema.XMLSchema10(os.path.join(oai, "oai_dc.xsd"), allow="local")
    locations = [(OAI_DC, os.path.join(oai, "oai_dc.xsd")), (DATACITE, datacite)]
    return xmlschema.XMLSchema10(os.path.join(oai, "OAI-PMH.xsd"), allow="local", locations=locations)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("oai-pmh", "datacite", "oai_dc"):
        sys.exit(__doc__)
    xsd = os.path.join(os.environ.get("TESSERA_FIXTURES", "../shared/fixtures"), "xsd")
    checker = schema(sys.argv[1], xsd)
    invalid = 0
    for path in sys.argv[2:]:
        error = next(iter(checker.iter_errors(path)), None)
        if error is not None:
            invalid += 1
            print(f"{path}: {error.reason} at {error.path}")
    print(f"{len(sys.argv) - 2 - invalid} valid, {invalid} invalid")
    sys.exit(1 if invalid else 0)


if __name__ == "__main__":
    main()
