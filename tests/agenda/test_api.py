"""The agenda API gives what the pages give, under the same permissions."""
from __future__ import annotations

from sqlalchemy import func, select

from app.agenda.models import AgendaItem


def _payload(**overrides):
    data = {"title": "석관동 골목 조명", "field": "복지·건강", "dong": "석관동", "problem": "밤길이 어둡습니다.",
            "solution": "가로등을 늘립니다.", "cost": 3_000_000, "client_token": "api-1"}
    data.update(overrides)
    return data


def test_create_list_detail_and_support_through_the_api(client, db, auth, make, world, app):
    assert client.post("/api/v1/agenda-items", json=_payload()).status_code == 401
    auth.login(make.user())
    created = client.post("/api/v1/agenda-items", json=_payload())
    retried = client.post("/api/v1/agenda-items", json=_payload())
    assert created.status_code == retried.status_code == 201
    assert created.get_json()["id"] == retried.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 1
    item_id = created.get_json()["id"]

    listing = client.get("/api/v1/agenda-items?field=복지·건강").get_json()
    assert listing["total"] == 1 and listing["items"][0]["title"] == "석관동 골목 조명"
    detail = client.get(f"/api/v1/agenda-items/{item_id}").get_json()
    assert detail["timeline"][0]["to_stage"] == "proposed" and detail["cost"] == 3_000_000
    assert client.get("/api/v1/agenda-items/999999").status_code == 404

    own = client.post(f"/api/v1/agenda-items/{item_id}/support")
    assert own.status_code == 400 and "자기가 제안한 의제" in own.get_json()["error"]
    other = app.test_client()
    other.post("/account/login", data={"email": make.user().email, "password": "correct-horse-battery"})
    assert other.post(f"/api/v1/agenda-items/{item_id}/support").get_json()["support_count"] == 1


def test_api_refuses_bad_input_with_json_messages(client, db, auth, make, world):
    auth.login(make.user())
    for payload, word in ((_payload(cost=12.5), "정수"), (_payload(title=""), "title"),
                          (_payload(title="가" * 121), "120"), (_payload(field="없음"), "분야")):
        response = client.post("/api/v1/agenda-items", json=payload)
        assert response.status_code == 400 and word in response.get_json()["error"], payload
    assert client.post("/api/v1/agenda-items", data="not json").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 0


def test_api_post_needs_a_csrf_token_when_csrf_is_on(client, db, auth, make, world, app):
    auth.login(make.user())
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/api/v1/agenda-items", json=_payload()).status_code == 400
    token = client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    response = client.post("/api/v1/agenda-items", json=_payload(), headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_openapi_document_describes_the_agenda_endpoints(client, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/agenda-items", "/agenda-items/{id}", "/agenda-items/{id}/support"} <= set(doc["paths"])
