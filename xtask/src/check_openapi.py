"""Checks the OpenAPI document shared/api/openapi.json (run by the tests of
the xtask crate, with the interpreter of .venv):

1. it is a valid OpenAPI 3.1 document (openapi-spec-validator);
2. every example of a parameter, a request body and an answer is valid
   against its own schema (JSON Schema 2020-12, as OpenAPI 3.1 uses), so an
   example cannot show a field the type does not have, or lack one it must.

Prints one line per fault and exits 1 if there is any.
"""

import json
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def main(path):
    with open(path, encoding="utf-8") as file:
        document = json.load(file)
    validate(document)

    resource = Resource(contents=document, specification=DRAFT202012)
    registry = Registry().with_resource(uri="urn:openapi", resource=resource)

    def check(schema, value, where):
        validator = Draft202012Validator(resolve_refs(schema), registry=registry)
        return [f"{where}: {error.message}" for error in validator.iter_errors(value)]

    faults = []
    examples = document.get("components", {}).get("examples", {})
    for path_name, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete"):
                continue
            where = f"{method.upper()} {path_name}"
            for parameter in operation.get("parameters", []):
                if "example" in parameter:
                    faults += check(
                        parameter["schema"],
                        parameter["example"],
                        f"{where} parameter {parameter['name']}",
                    )
            body = operation.get("requestBody", {})
            for media_type, media in body.get("content", {}).items():
                if "example" in media and media_type.endswith("json"):
                    faults += check(media["schema"], media["example"], f"{where} body")
            for status, response in operation["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    if not media_type.endswith("json"):
                        continue
                    values = []
                    if "example" in media:
                        values.append(("example", media["example"]))
                    for name, example in media.get("examples", {}).items():
                        if "$ref" in example:
                            example = examples[example["$ref"].rsplit("/", 1)[1]]
                        values.append((name, example["value"]))
                    for name, value in values:
                        faults += check(
                            media["schema"], value, f"{where} {status} {media_type} {name}"
                        )
    for fault in faults:
        print(fault)
    return 1 if faults else 0


def resolve_refs(schema):
    """Points local references at the whole document in the registry."""
    if isinstance(schema, dict):
        return {
            key: ("urn:openapi" + value if key == "$ref" and value.startswith("#") else resolve_refs(value))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [resolve_refs(item) for item in schema]
    return schema


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
