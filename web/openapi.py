"""The OpenAPI 3.1 document for /api/v1 (kept next to the code it describes)."""

from __future__ import annotations

from typing import Any

from tracker.bill_query import MAX_PER_PAGE, SORTS
from tracker.records import STAGES


def _param(name: str, where: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required,
        "schema": schema,
        "description": description,
    }


PAGING = [
    _param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
    _param(
        "per_page",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 25},
        "Items per page.",
    ),
    _param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "Same as per_page (per_page wins when both are given).",
    ),
]
BILL_FILTERS = [
    _param("q", "query", {"type": "string", "maxLength": 300}, "Words to find (all must match)."),
    _param(
        "jurisdiction", "query", {"type": "string"}, "Two-letter code (us, ca, ...); repeatable."
    ),
    _param("session", "query", {"type": "string"}, "Session as the jurisdiction names it."),
    _param("topic", "query", {"type": "string"}, "Topic key (from tagging)."),
    _param(
        "status", "query", {"type": "string", "enum": list(STAGES)}, "Status stage; repeatable."
    ),
    _param("score_min", "query", {"type": "number"}, "Lowest score."),
    _param("score_max", "query", {"type": "number"}, "Highest score."),
    _param(
        "updated_since", "query", {"type": "string", "format": "date"}, "Last action on or after."
    ),
    _param(
        "watchlist", "query", {"type": "string"}, "'any' or a watchlist id of your organization."
    ),
    _param("sort", "query", {"type": "string", "enum": list(SORTS)}, "Order of results."),
]


def _list_response(item_ref: str) -> dict:
    return {
        "200": {
            "description": "A page of results.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["data", "meta", "links"],
                        "properties": {
                            "data": {"type": "array", "items": {"$ref": item_ref}},
                            "meta": {"$ref": "#/components/schemas/Meta"},
                            "links": {"$ref": "#/components/schemas/Links"},
                        },
                    }
                }
            },
        },
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
    }


def _one(ref: str) -> dict:
    return {
        "200": {
            "description": "Found.",
            "content": {"application/json": {"schema": {"$ref": ref}}},
        },
        "401": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
    }


def document(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with `server_url` as the server."""
    nullable_str = {"type": ["string", "null"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mh-policy-tracker API",
            "version": "1.0.0",
            "description": "Mental-health policy bills, legislators and your organization's "
            "watchlists. Authenticate with a personal token from /account/tokens.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/bills": {
                "get": {
                    "summary": "List bills",
                    "operationId": "listBills",
                    "parameters": BILL_FILTERS + PAGING,
                    "responses": _list_response("#/components/schemas/BillSummary"),
                }
            },
            "/search": {
                "get": {
                    "summary": "Full-text search",
                    "operationId": "searchBills",
                    "parameters": BILL_FILTERS + PAGING,
                    "responses": _list_response("#/components/schemas/BillSummary"),
                }
            },
            "/bills/{bill_id}": {
                "get": {
                    "summary": "One bill",
                    "operationId": "getBill",
                    "parameters": [
                        _param(
                            "bill_id",
                            "path",
                            {"type": "string"},
                            "Stable id, e.g. us-118-hr-498.",
                            True,
                        )
                    ],
                    "responses": _one("#/components/schemas/Bill"),
                }
            },
            "/legislators": {
                "get": {
                    "summary": "List legislators",
                    "operationId": "listLegislators",
                    "parameters": [
                        _param("name", "query", {"type": "string"}, "Part of the name."),
                        _param("jurisdiction", "query", {"type": "string"}, "Two-letter code."),
                    ]
                    + PAGING,
                    "responses": _list_response("#/components/schemas/Legislator"),
                }
            },
            "/legislators/{legislator_id}": {
                "get": {
                    "summary": "One legislator",
                    "operationId": "getLegislator",
                    "parameters": [
                        _param("legislator_id", "path", {"type": "integer"}, "Id.", True)
                    ],
                    "responses": _one("#/components/schemas/Legislator"),
                }
            },
            "/watchlists": {
                "get": {
                    "summary": "Your organization's watchlists",
                    "operationId": "listWatchlists",
                    "parameters": PAGING,
                    "responses": _list_response("#/components/schemas/Watchlist"),
                }
            },
            "/watchlists/{watchlist_id}": {
                "get": {
                    "summary": "Entries of one watchlist",
                    "operationId": "getWatchlist",
                    "parameters": [
                        _param("watchlist_id", "path", {"type": "integer"}, "Id.", True),
                        *PAGING,
                    ]
                    + PAGING,
                    "responses": _list_response("#/components/schemas/WatchlistEntry"),
                }
            },
            "/parity/{state}/notes": {
                "get": {
                    "summary": "Your organization's private notes on a state's parity profile",
                    "operationId": "listParityNotes",
                    "parameters": [
                        _param("state", "path", {"type": "string"}, "Two-letter code.", True),
                        *PAGING,
                    ],
                    "responses": _list_response("#/components/schemas/ParityNote"),
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "An error.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "error": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            }
                        }
                    },
                }
            },
            "schemas": {
                "Meta": {
                    "type": "object",
                    "properties": {
                        k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")
                    },
                },
                "Links": {
                    "type": "object",
                    "properties": {k: nullable_str for k in ("self", "next", "prev")},
                },
                "BillSummary": {
                    "type": "object",
                    "required": ["id", "jurisdiction", "identifier", "status"],
                    "properties": {
                        "id": {"type": "string"},
                        "jurisdiction": {"type": "string"},
                        "session": {"type": "string"},
                        "identifier": {"type": "string"},
                        "title": {"type": "string"},
                        "classification": {"type": "string"},
                        "status": {"type": "string", "enum": list(STAGES)},
                        "status_date": nullable_str,
                        "introduced_date": nullable_str,
                        "last_action_date": nullable_str,
                        "last_action": nullable_str,
                        "url": {"type": "string"},
                        "html_url": {"type": "string"},
                        "rank": {"type": "number"},
                    },
                },
                "Bill": {
                    "allOf": [
                        {"$ref": "#/components/schemas/BillSummary"},
                        {
                            "type": "object",
                            "properties": {
                                "abstract": {"type": "string"},
                                "actions": {"type": "array", "items": {"type": "object"}},
                                "sponsors": {"type": "array", "items": {"type": "object"}},
                                "versions": {"type": "array", "items": {"type": "object"}},
                                "subjects": {"type": "array", "items": {"type": "string"}},
                                "sources": {"type": "array", "items": {"type": "object"}},
                                "topics": {"type": "array", "items": {"type": "object"}},
                                "scores": {"type": "array", "items": {"type": "object"}},
                                "watchlist_entries": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/WatchlistEntry"},
                                },
                            },
                        },
                    ]
                },
                "Legislator": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "jurisdiction": {"type": "string"},
                        "party": nullable_str,
                        "chamber": nullable_str,
                        "district": nullable_str,
                        "email": nullable_str,
                        "url": {"type": "string"},
                    },
                },
                "ParityNote": {
                    "type": "object",
                    "properties": {
                        "state": {"type": "string"},
                        "element": {
                            "type": ["string", "null"],
                            "description": "Rubric element key; null for the whole state.",
                        },
                        "body": {"type": "string"},
                        "updated_at": {"type": "string", "format": "date-time"},
                    },
                },
                "Watchlist": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "entries": {"type": "integer"},
                        "url": {"type": "string"},
                    },
                },
                "WatchlistEntry": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "watchlist_id": {"type": "integer"},
                        "bill_id": {"type": "string"},
                        "position": {"type": "string", "enum": ["support", "oppose", "monitor"]},
                        "priority": {"type": "string", "enum": ["high", "medium", "low"]},
                        "notes": {"type": "string"},
                        "owner_id": {"type": ["integer", "null"]},
                        "added_at": nullable_str,
                        "bill": {"$ref": "#/components/schemas/BillSummary"},
                    },
                },
            },
        },
    }
