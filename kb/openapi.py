"""The OpenAPI 3.1 description of the JSON API (served at ``/api/openapi.json``).

Schemas list every field and forbid others, so the test that validates real
responses against them catches drift in either direction.
"""

from __future__ import annotations

from kb.dates import DatePrecision
from kb.models import AnnouncementKind, ClauseEffect


def _object(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
CACHED_COUNT = {
    "type": "integer",
    "minimum": 0,
    "description": "Published records counted at most KB_HOME_COUNTS_SECONDS (300 s by "
    "default) ago: the counts are cached.",
}
DATE = _nullable({"type": "string", "format": "date"})
PRECISION = {"type": "string", "enum": list(DatePrecision.values)}


def _page(item: str) -> dict:
    return _object(
        {
            "count": {"type": "integer", "minimum": 0},
            "next": _nullable(URL),
            "previous": _nullable(URL),
            "results": {"type": "array", "items": _ref(item)},
        }
    )


SCHEMAS = {
    "PartyRef": _object({"slug": STRING, "name": STRING, "html_url": URL}),
    "TopicRef": _object({"slug": STRING, "name": STRING, "html_url": URL}),
    "ClauseRef": _object(
        {"id": {"type": "integer"}, "heading": STRING, "url": URL, "html_url": URL}
    ),
    "AnnouncementRef": _object(
        {
            "slug": STRING,
            "title": STRING,
            "date": DATE,
            "date_precision": PRECISION,
            "url": URL,
            "html_url": URL,
        }
    ),
    "Announcement": _object(
        {
            "slug": STRING,
            "title": STRING,
            "date": DATE,
            "date_precision": PRECISION,
            "url": URL,
            "html_url": URL,
            "kind": {"type": "string", "enum": list(AnnouncementKind.values)},
            "parties": {"type": "array", "items": _ref("PartyRef")},
            "summary": STRING,
            "source_url": _nullable(URL),
            "credit": STRING,
            "published_at": {"type": "string", "format": "date-time"},
            "clause_count": {"type": "integer", "minimum": 0},
        }
    ),
    "Clause": _object(
        {
            "id": {"type": "integer"},
            "heading": STRING,
            "url": URL,
            "html_url": URL,
            "announcement": _ref("AnnouncementRef"),
            "kind": {"type": "string", "enum": list(AnnouncementKind.values)},
            "position": {"type": "integer", "minimum": 1},
            "text": STRING,
            "effect": {"type": "string", "enum": list(ClauseEffect.values)},
            "effective_from": DATE,
            "effective_from_precision": PRECISION,
            "effective_until": DATE,
            "effective_until_precision": PRECISION,
            "supersedes": _nullable(_ref("ClauseRef")),
            "superseded_by": {"type": "array", "items": _ref("ClauseRef")},
            "topics": {"type": "array", "items": _ref("TopicRef")},
            "parties": {
                "type": "array",
                "items": _ref("PartyRef"),
                "description": "The parties the clause concerns: those it names and "
                "those of its announcement (as the party filter counts them), each once, "
                "by name.",
            },
        }
    ),
    "Topic": _object(
        {
            "slug": STRING,
            "name": STRING,
            "html_url": URL,
            "description": STRING,
            "clause_count": CACHED_COUNT,
        }
    ),
    "Party": _object(
        {
            "slug": STRING,
            "name": STRING,
            "html_url": URL,
            "short_name": STRING,
            "website": _nullable(URL),
            "announcement_count": CACHED_COUNT,
        }
    ),
    "Error": _object(
        {
            "detail": STRING,
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": STRING},
            },
        },
        optional=("errors",),
    ),
}
SCHEMAS["Root"] = _object(
    dict.fromkeys(("announcements", "clauses", "topics", "parties", "openapi"), URL)
)
SCHEMAS["AnnouncementDetail"] = _object(
    {
        **SCHEMAS["Announcement"]["properties"],
        "text": STRING,
        "clauses": {"type": "array", "items": _ref("Clause")},
    }
)
for _name in ("Announcement", "Clause", "Topic", "Party"):
    SCHEMAS[f"{_name}Page"] = _page(_name)


def _parameter(name: str, description: str, schema: dict, location: str = "query") -> dict:
    return {
        "name": name,
        "in": location,
        "required": location == "path",
        "description": description,
        "schema": schema,
    }


def _paging(default_size: int, max_size: int) -> list[dict]:
    return [
        _parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
        _parameter(
            "page_size",
            f"Results per page (default {default_size}, at most {max_size}).",
            {"type": "integer", "minimum": 1, "maximum": max_size},
        ),
    ]


CLAUSE_FILTERS = [
    _parameter("q", "Search query, same syntax as the search page.", STRING),
    _parameter("party", "Party slug: clauses binding the party.", STRING),
    _parameter("topic", "Topic slug.", STRING),
    _parameter(
        "kind",
        "Kind of the clause's announcement.",
        {"type": "string", "enum": list(AnnouncementKind.values)},
    ),
    _parameter("effect", "Clause effect.", {"type": "string", "enum": list(ClauseEffect.values)}),
    _parameter(
        "date_from",
        "Announcements dated in or after this day, month or year (YYYY-MM-DD, YYYY-MM, YYYY).",
        STRING,
    ),
    _parameter(
        "date_to",
        "Announcements dated in or before this day, month or year (YYYY-MM-DD, YYYY-MM, YYYY).",
        STRING,
    ),
    _parameter(
        "in_force_on", "Only terms in force on this day.", {"type": "string", "format": "date"}
    ),
    _parameter(
        "sort", "Result order.", {"type": "string", "enum": ["relevance", "newest", "oldest"]}
    ),
]


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BAD_REQUEST = _json("Invalid parameter.", _ref("Error"))
NOT_FOUND = _json("No published record here.", _ref("Error"))


def _list(summary: str, item: str, parameters: list) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": _json(f"A page of {item.lower()} records.", _ref(f"{item}Page")),
                "400": BAD_REQUEST,
                "404": NOT_FOUND,
            },
        }
    }


def _detail(summary: str, schema: str, parameter: dict) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": [parameter],
            "responses": {"200": _json(summary, _ref(schema)), "404": NOT_FOUND},
        }
    }


def openapi_document(server_url: str, *, default_page_size: int, max_page_size: int) -> dict:
    paging = _paging(default_page_size, max_page_size)
    paths = {
        "/": {
            "get": {
                "summary": "Links to the lists and to this description.",
                "responses": {"200": _json("The API's entry points.", _ref("Root"))},
            }
        },
        "/announcements/": _list(
            "Published announcements, newest published first.", "Announcement", paging
        ),
        "/announcements/{slug}/": _detail(
            "A published announcement with its clauses in order.",
            "AnnouncementDetail",
            _parameter("slug", "Announcement slug.", STRING, "path"),
        ),
        "/clauses/": _list(
            "Published clauses, filtered like the search page.", "Clause", paging + CLAUSE_FILTERS
        ),
        "/clauses/{id}/": _detail(
            "A published clause.",
            "Clause",
            _parameter("id", "Clause id.", {"type": "integer"}, "path"),
        ),
        "/topics/": _list("Topics with published clauses, by name.", "Topic", paging),
        "/parties/": _list("Parties of published records, by name.", "Party", paging),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kb API",
            "version": "1",
            "description": "Read-only access to the published announcements and clauses of kb.",
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
