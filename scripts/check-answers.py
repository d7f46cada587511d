#!/usr/bin/env python3
"""Checks API answers against the schemas the OpenAPI document gives them, with jsonschema.

usage: check-answers.py OPENAPI.json ANSWERS.json

ANSWERS is a list of {"method", "path" (a path of the document, such as /api/records/{id}),
"status", "body"}. Each body is validated as JSON Schema 2020-12, which OpenAPI 3.1's schemas
are, against the schema of its operation's answer for its status. Prints each answer that
does not fit, or whose status the document gives no JSON schema, and exits 1 if there is any.
"""
import json
import sys

from jsonschema import Draft202012Validator


def schema_of(doc, answer):
    operation = doc["paths"].get(answer["path"], {}).get(answer["method"].lower())
    if operation is None:
        return None
    response = operation["responses"].get(str(answer["status"]), {})
    return response.get("content", {}).get("application/json", {}).get("schema")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    with open(sys.argv[2]) as f:
        answers = json.load(f)
    wrong = 0
    for answer in answers:
        what = f'{answer["method"]} {answer["path"]} {answer["status"]}'
        schema = schema_of(doc, answer)
        if schema is None:
            wrong += 1
            print(f"{what}: the document gives this answer no JSON schema")
            continue
        # The schema's references point into the document's components.
        validator = Draft202012Validator({**schema, "components": doc["components"]})
        errors = sorted(validator.iter_errors(answer["body"]), key=lambda e: list(e.absolute_path))
        if errors:
            wrong += 1
            for error in errors[:5]:
                print(f"{what}: at {error.json_path}: {error.message[:300]}")
    print(f"{len(answers) - wrong} fit, {wrong} do not")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
