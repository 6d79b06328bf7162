"""Validating PACT v3 documents against the official OpenAPI schema shipped in ``data/``.

``data/openapi_v3_0.yaml`` is the PACT Technical Specifications v3 OpenAPI 3.1 document
(``info.version`` 3.0.4, WBCSD, MIT licence in ``data/LICENSE``), kept unchanged. Its
``components.schemas`` are JSON Schema Draft 2020-12 (OpenAPI 3.1), so :mod:`jsonschema` checks a
document against ``#/components/schemas/<Name>`` with every ``$ref`` resolved inside the file.

Formats are asserted, not only annotated (Draft 2020-12 leaves them as annotations by default):
``decimal`` (the spec's "string<decimal>": a JSON string holding a plain decimal number),
``date-time`` (RFC 3339), ``uuid`` and ``uri``. Incoming events from partners are checked the
same way (:func:`event_errors`): a ``PublishedEvent`` whose ``pfIds`` are URNs rather than UUIDs
is malformed and answers 400, as the PACT conformance suite's test case 40 expects (its case 15
sends UUIDs).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jsonschema import (  # type: ignore[import-untyped]  # no stubs; a runtime dependency
    Draft202012Validator,
    FormatChecker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dualcarbon.errors import DualcarbonError
from dualcarbon.guards.safe_yaml import safe_load

SCHEMA_URI = "urn:dualcarbon:pact:openapi_v3_0"
"""The base URI the bundled OpenAPI document is registered under, so ``#/components/…`` refs
resolve within it."""

_DECIMAL = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class PactSchemaError(DualcarbonError, ValueError):
    """A document does not conform to a PACT v3 schema; ``problems`` name each place and rule."""

    def __init__(self, schema: str, problems: list[str]) -> None:
        self.schema = schema
        self.problems = tuple(problems)
        shown = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        super().__init__(f"not a valid PACT v3 {schema}: {shown}")


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The bundled PACT v3 OpenAPI document, parsed."""
    text = resources.files("dualcarbon.pact").joinpath("data/openapi_v3_0.yaml").read_text("utf-8")
    document: dict[str, Any] = safe_load(text)
    return document


def spec_version() -> str:
    """The OpenAPI document's ``info.version`` (3.0.4 for the bundled copy)."""
    return str(openapi_document()["info"]["version"])


def _is_decimal(value: object) -> bool:
    return not isinstance(value, str) or bool(_DECIMAL.match(value))


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


def format_checker() -> FormatChecker:
    """The formats our own documents must meet (see the module docstring)."""
    checker = FormatChecker(formats=())
    checker.checks("decimal")(_is_decimal)
    checker.checks("date-time")(_is_date_time)
    checker.checks("uuid")(_is_uuid)
    checker.checks("uri")(_is_uri)
    return checker


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(
        openapi_document(), default_specification=DRAFT202012
    )
    registry: Registry[Any] = Registry().with_resource(SCHEMA_URI, resource)
    return registry


@functools.cache
def validator(schema: str, *, formats: bool = True) -> Draft202012Validator:
    """A Draft 2020-12 validator of ``#/components/schemas/<schema>``."""
    if schema not in openapi_document()["components"]["schemas"]:
        raise KeyError(f"no schema {schema!r} in the PACT v3 OpenAPI document")
    return Draft202012Validator(
        {"$ref": f"{SCHEMA_URI}#/components/schemas/{schema}"},
        registry=_registry(),
        format_checker=format_checker() if formats else None,
    )


def errors(schema: str, document: object, *, formats: bool = True) -> list[str]:
    """Every way ``document`` breaks ``schema``: ``"<json path>: <message>"``, in path order."""
    found = validator(schema, formats=formats).iter_errors(document)
    return sorted(f"{error.json_path}: {error.message}" for error in found)


def validate(schema: str, document: object) -> None:
    """Raise :class:`PactSchemaError` unless ``document`` conforms to ``schema``."""
    problems = errors(schema, document)
    if problems:
        raise PactSchemaError(schema, problems)


def validate_product_footprint(document: Mapping[str, Any]) -> None:
    validate("ProductFootprint", document)


def event_errors(document: object) -> list[str]:
    """The problems of an incoming CloudEvent, formats asserted (``uuid`` pfIds, ``date-time``
    times; see the module docstring): checked as the event type it names, else as a
    ``BaseEvent``."""
    names = {
        "org.wbcsd.pact.ProductFootprint.PublishedEvent.3": "PublishedEvent",
        "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3": "RequestCreatedEvent",
        "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3": "RequestFulfilledEvent",
        "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3": "RequestRejectedEvent",
    }
    kind = document.get("type") if isinstance(document, dict) else None
    schema = names.get(kind, "BaseEvent") if isinstance(kind, str) else "BaseEvent"
    return errors(schema, document)


def response_errors(path: str, method: str, status: int, body: object) -> list[str]:
    """The problems of a response ``body`` against what the OpenAPI document says ``method
    path`` answers with ``status`` (its ``application/json`` schema; refs resolved)."""
    operation = openapi_document()["paths"][path][method.lower()]
    response = operation["responses"][str(status)]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = openapi_document()["components"]["responses"][name]
    schema = response["content"]["application/json"]["schema"]
    checker = Draft202012Validator(
        _rebased(schema), registry=_registry(), format_checker=format_checker()
    )
    return sorted(f"{e.json_path}: {e.message}" for e in checker.iter_errors(body))


def _rebased(schema: Any) -> Any:
    """``schema`` with its local ``#/…`` refs pointed into the registered document."""
    if isinstance(schema, dict):
        return {
            key: (
                f"{SCHEMA_URI}{value}"
                if key == "$ref" and value.startswith("#")
                else _rebased(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebased(item) for item in schema]
    return schema
