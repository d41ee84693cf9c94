"""The OpenAPI description of the open-data API, built from the same field list it serves."""

from __future__ import annotations

from domain.publication import SEARCH_MAX
from domain.reference import Reference
from web.records import FIELDS, SCHEMA_VERSION

LIMIT_MAX = 1000  # needs.json?limit=: at most this many needs in one answer

_NULLABLE = {"string|null": "string", "integer|null": "integer"}


def _field_schema(kind: str, description: str) -> dict:
    if kind == "array":
        return {"type": "array", "items": {"type": "string"}, "description": description}
    if kind in _NULLABLE:
        return {"type": _NULLABLE[kind], "nullable": True, "description": description}
    return {"type": kind, "description": description}


def need_schema(**extra: dict) -> dict:
    """The record of FIELDS; `extra` adds required properties (the history of one need)."""
    properties = {name: _field_schema(*spec) for name, spec in FIELDS.items()}
    properties.update(extra)
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def _filters(ref: Reference) -> list[dict]:
    def query(name: str, schema: dict, description: str) -> dict:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": description}  # fmt: skip

    return [
        query("phase", {"type": "integer", "enum": [1, 2, 3, 4]}, "only needs in this phase"),
        query(
            "perspective",
            {"type": "string", "enum": [p.key for p in ref.data.perspectives]},
            "only needs under this perspective",
        ),
        query(
            "target_group",
            {"type": "string", "enum": [t.key for t in ref.data.target_groups]},
            "only needs for this target group",
        ),
        query(
            "q",
            {"type": "string", "maxLength": SEARCH_MAX},
            "words that must each occur inside a word of the title or description "
            "(case and accents ignored), or be the need's number",
        ),
    ]


def _window() -> list[dict]:
    """Optional paging of needs.json; without them the whole list, as always."""
    return [
        {"name": "limit", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX},
         "description": "at most this many needs (by number); the answer then also has "
                        "`total`, `offset` and `limit`"},
        {"name": "offset", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
         "description": "skip this many needs first (with or without `limit`)"},
    ]  # fmt: skip


def openapi(ref: Reference, base_url: str) -> dict:
    """OpenAPI 3.0 document for /public/needs.json, /public/needs/{number}.json and the CSV."""
    error = {"$ref": "#/components/schemas/Error"}
    json_of = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
    bad_request = {"description": "a filter has an unknown value", "content": json_of(error)}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Behov – öppna data om utvecklingsbehov i Vårdsamverkan Västra Götaland",
            "version": f"{SCHEMA_VERSION}.0",
            "description": "Published development needs (phase 2 or later) and their phases. "
            "No personal data.",
        },
        "servers": [{"url": base_url.rstrip("/") or "/"}],
        "paths": {
            "/public/needs.json": {
                "get": {
                    "operationId": "listNeeds",
                    "summary": "All published needs, optionally filtered and paged",
                    "description": "Answers carry a weak `ETag` and `Last-Modified`; send "
                    "them back as `If-None-Match` / `If-Modified-Since` to get 304 when "
                    "nothing changed.",
                    "parameters": _filters(ref) + _window(),
                    "responses": {
                        "200": {
                            "description": "the published needs, by number",
                            "content": json_of({"$ref": "#/components/schemas/NeedList"}),
                        },
                        "304": {"description": "not modified since the ETag or date sent"},
                        "400": bad_request,
                    },
                }
            },
            "/public/needs/{number}.json": {
                "get": {
                    "operationId": "getNeed",
                    "summary": "One published need with its public history",
                    "parameters": [
                        {
                            "name": "number",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the need",
                            "content": json_of({"$ref": "#/components/schemas/NeedWithHistory"}),
                        },
                        "404": {"description": "no such published need", "content": json_of(error)},
                    },
                }
            },
            "/public/needs.csv": {
                "get": {
                    "operationId": "listNeedsCsv",
                    "summary": "The same list as CSV (columns in the order of the Need schema)",
                    "parameters": _filters(ref),
                    "responses": {
                        "200": {
                            "description": "CSV, UTF-8, comma-separated, header row",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "304": {"description": "not modified since the ETag or date sent"},
                        "400": bad_request,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Need": need_schema(),
                "NeedList": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["schema_version", "generated_at", "count", "needs"],
                    "properties": {
                        "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
                        "generated_at": {"type": "string", "format": "date-time"},
                        "count": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "needs in this answer",
                        },
                        "needs": {"type": "array", "items": {"$ref": "#/components/schemas/Need"}},
                        "total": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "with limit or offset: the needs matching in all",
                        },
                        "offset": {"type": "integer", "minimum": 0},
                        "limit": {"type": "integer", "minimum": 1, "nullable": True},
                    },
                },
                "Event": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["kind", "date", "value"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": [
                                "registered",
                                "phase_changed",
                                "decided",
                                "closed",
                                "vote_closed",
                                "completed",
                            ],
                        },  # fmt: skip
                        "date": {"type": "string", "format": "date"},
                        "value": {
                            "type": "string",
                            "nullable": True,
                            "description": "new phase, decision, outcome or quadrant",
                        },
                    },
                },
                "NeedWithHistory": need_schema(
                    history={"type": "array", "items": {"$ref": "#/components/schemas/Event"}}
                ),
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "details": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            }
        },
    }
