"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json)."""
from app.agenda.services import SORTS as _SORTS
from app.agenda.stages import STAGES as _STAGES
from app.inputs import INT_MAX, INT_MIN

STAGES = list(_STAGES)
LIST_STAGES = [key for key in STAGES if key != "draft"]  # drafts are never listed
SORTS = list(_SORTS)

_id = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
_int = {"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX}
_filled = {"type": "string", "minLength": 1, "pattern": r"\S"}  # blank (or only spaces) is refused

_item_summary = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "field": {"type": "string"},
        "dong": {"type": ["string", "null"], "description": "행정동; null means district-wide"},
        "stage": {"type": "string", "enum": STAGES},  # a proposer sees their own drafts
        "stage_label": {"type": "string"}, "support_count": {"type": "integer"},
        "body": {"type": ["string", "null"]}, "cycle": {"type": "integer"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"}, "url": {"type": "string"},
    },
}
_supported = {"type": "object", "required": ["id", "support_count", "stage", "supported"],
              "properties": {"id": {"type": "integer"}, "support_count": {"type": "integer"},
                             "stage": {"type": "string", "enum": STAGES}, "supported": {"type": "boolean"}}}
_error = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_errors = {
    "400": {"description": "Bad input (a message in Korean or English)", "content": {"application/json": {"schema": _error}}},
    "401": {"description": "Not logged in", "content": {"application/json": {"schema": _error}}},
    "403": {"description": "Logged in, but not allowed", "content": {"application/json": {"schema": _error}}},
    "404": {"description": "No such item", "content": {"application/json": {"schema": _error}}},
    "409": {"description": "The item's state does not allow it now (e.g. closed), or someone else changed it first",
            "content": {"application/json": {"schema": _error}}},
    "429": {"description": "Too many requests (see Retry-After)", "content": {"application/json": {"schema": _error}}},
}
# Writes use the session cookie of a login, and the CSRF token of that session in a header.
_write_security = [{"session": [], "csrfToken": []}]

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "협치 플랫폼 API", "version": "1",
             "description": "Agenda items (의제). Write calls use the session cookie and an X-CSRFToken header "
                            "from GET /api/v1/csrf-token; the same permissions as the web pages apply."},
    "servers": [{"url": "/api/v1"}],
    "components": {"securitySchemes": {
        "session": {"type": "apiKey", "in": "cookie", "name": "session",
                    "description": "The session cookie set by logging in at /account/login"},
        "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                      "description": "From GET /api/v1/csrf-token, for the same session"},
    }},
    "paths": {
        "/csrf-token": {"get": {"summary": "A CSRF token for this session",
                                "responses": {"200": {"description": "token", "content": {"application/json": {
                                    "schema": {"type": "object", "properties": {"csrf_token": {"type": "string"}}}}}}}}},
        "/agenda-items": {
            "get": {"summary": "List public agenda items",
                    "parameters": [{"name": n, "in": "query", "schema": s} for n, s in
                                   (("stage", {"type": "string", "enum": LIST_STAGES}), ("field", {"type": "string"}),
                                    ("dong", {"type": "string", "description": "a 행정동, or 'district' for district-wide"}),
                                    ("body", _id), ("cycle", _id), ("q", {"type": "string"}), ("page", _int),
                                    ("per_page", {**_int, "description": "1 to 100 (others are brought into range)"}),
                                    ("sort", {"type": "string", "enum": SORTS}))],
                    "responses": {"200": {"description": "A page of items", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"items": {"type": "array", "items": _item_summary},
                                                         "page": {"type": "integer"}, "pages": {"type": "integer"},
                                                         "total": {"type": "integer"}}}}}},
                                  "400": _errors["400"]}},
            "post": {"summary": "Propose an agenda item (verified users, while proposals are open)",
                     "security": _write_security,
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["title", "field", "problem", "solution"],
                         "properties": {"title": {**_filled, "maxLength": 120},
                                        "field": {**_filled, "description": "one of the district's fields (분야)"},
                                        "dong": {"type": ["string", "null"], "description": "one of the district's 행정동"},
                                        "problem": {**_filled, "maxLength": 5000},
                                        "solution": {**_filled, "maxLength": 5000},
                                        "effect": {"type": "string", "maxLength": 5000},
                                        "cost": {"type": ["integer", "null"], "minimum": 0, "maximum": INT_MAX,
                                                 "description": "won"},
                                        "client_token": {"type": "string", "maxLength": 64,
                                                         "description": "retries with the same token create one item"},
                                        "submit": {"type": "boolean", "default": True}}}}}},
                     "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": _item_summary}}},
                                   **_errors}},
        },
        "/agenda-items/{id}": {"get": {"summary": "One item with its timeline",
                                       "parameters": [{"name": "id", "in": "path", "required": True, "schema": _id}],
                                       "responses": {"200": {"description": "The item", "content": {"application/json": {"schema": _item_summary}}},
                                                     "404": _errors["404"]}}},
        "/agenda-items/{id}/support": {"post": {"summary": "Support (공감) an item; once per verified user",
                                                "security": _write_security,
                                                "parameters": [{"name": "id", "in": "path", "required": True, "schema": _id}],
                                                "responses": {"200": {"description": "Supported", "content": {
                                                    "application/json": {"schema": _supported}}}, **_errors}}},
    },
}
