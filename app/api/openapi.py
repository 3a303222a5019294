"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json)."""

_item_summary = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "field": {"type": "string"},
        "dong": {"type": ["string", "null"], "description": "행정동; null means district-wide"},
        "stage": {"type": "string", "enum": ["proposed", "subcommittee", "working_council", "practical_committee",
                                             "district_council", "adopted", "merged", "withdrawn", "rejected",
                                             "on_hold", "closed"]},
        "stage_label": {"type": "string"}, "support_count": {"type": "integer"},
        "body": {"type": ["string", "null"]}, "cycle": {"type": "integer"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"}, "url": {"type": "string"},
    },
}
_error = {"type": "object", "properties": {"error": {"type": "string"}}}
_errors = {
    "400": {"description": "Bad input (a message in Korean or English)", "content": {"application/json": {"schema": _error}}},
    "401": {"description": "Not logged in", "content": {"application/json": {"schema": _error}}},
    "404": {"description": "No such item", "content": {"application/json": {"schema": _error}}},
    "409": {"description": "Changed by someone else", "content": {"application/json": {"schema": _error}}},
    "429": {"description": "Too many requests", "content": {"application/json": {"schema": _error}}},
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "협치 플랫폼 API", "version": "1",
             "description": "Agenda items (의제). Write calls use the session cookie and an X-CSRFToken header "
                            "from GET /api/v1/csrf-token; the same permissions as the web pages apply."},
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/csrf-token": {"get": {"summary": "A CSRF token for this session",
                                "responses": {"200": {"description": "token", "content": {"application/json": {
                                    "schema": {"type": "object", "properties": {"csrf_token": {"type": "string"}}}}}}}}},
        "/agenda-items": {
            "get": {"summary": "List public agenda items",
                    "parameters": [{"name": n, "in": "query", "schema": {"type": t}} for n, t in
                                   (("stage", "string"), ("field", "string"), ("dong", "string"), ("body", "integer"),
                                    ("cycle", "integer"), ("q", "string"), ("page", "integer"), ("per_page", "integer"))]
                    + [{"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["newest", "supported", "discussed"]}}],
                    "responses": {"200": {"description": "A page of items", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"items": {"type": "array", "items": _item_summary},
                                                         "page": {"type": "integer"}, "pages": {"type": "integer"},
                                                         "total": {"type": "integer"}}}}}}}},
            "post": {"summary": "Propose an agenda item (verified users, while proposals are open)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["title", "field", "problem", "solution"],
                         "properties": {"title": {"type": "string", "maxLength": 120}, "field": {"type": "string"},
                                        "dong": {"type": ["string", "null"]}, "problem": {"type": "string", "maxLength": 5000},
                                        "solution": {"type": "string", "maxLength": 5000},
                                        "effect": {"type": "string", "maxLength": 5000},
                                        "cost": {"type": ["integer", "null"], "minimum": 0, "description": "won"},
                                        "client_token": {"type": "string", "description": "retries with the same token create one item"},
                                        "submit": {"type": "boolean", "default": True}}}}}},
                     "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": _item_summary}}},
                                   **_errors}},
        },
        "/agenda-items/{id}": {"get": {"summary": "One item with its timeline",
                                       "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                                       "responses": {"200": {"description": "The item", "content": {"application/json": {"schema": _item_summary}}},
                                                     "404": _errors["404"]}}},
        "/agenda-items/{id}/support": {"post": {"summary": "Support (공감) an item; once per verified user",
                                                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                                                "responses": {"200": {"description": "Supported"}, **_errors}}},
    },
}
