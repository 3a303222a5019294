"""Never a 500, never a redirect off the site: what an outside probe threw at the app, kept fixed."""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urljoin

import pytest
from sqlalchemy import func, select

from app.agenda.models import AgendaItem
from tests.factories import PASSWORD
from tests.helpers import text

OVERLONG = "99999999999999999999"  # beyond 64 bits
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Every name the views read with ``request.args.get(name, type=int)``.
INT_QUERY_NAMES = ("page", "per_page", "actor", "cycle", "body", "exclude", "reply_to", "quote", "plan", "year",
                   "a", "b")


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        names = [name for name, conv in rule._converters.items() if type(conv).__name__.endswith("IntConverter")
                 or type(conv).__name__ == "IntegerConverter"]
        if names:
            yield rule, names


def _fill(rule, ints: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[^<>:]+:)?%s>" % name, ints.get(name, "x"), path)
    return path


def _is_refusal_in_korean(response) -> bool:
    if response.mimetype == "application/json":
        return bool(re.search(r"[가-힣]", response.get_json()["error"]))
    return bool(re.search(r"[가-힣]", text(response)))


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_an_overlong_number_in_any_address_is_a_404_not_a_500(client, db, auth, make, app, who):
    if who == "staff":
        auth.login(make.staff())
    rules = list(_int_rules(app))
    assert len(rules) > 50  # the whole URL map, not a sample
    failures = []
    for rule, names in rules:
        path = _fill(rule, {name: OVERLONG for name in names})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            if response.status_code != 404 or not _is_refusal_in_korean(response):
                failures.append((method, path, response.status_code))
    assert failures == []


def test_an_overlong_number_in_a_query_is_refused_with_a_message(client, db, auth, make, app):
    auth.login(make.staff())
    query = "&".join(f"{name}=-87389712906638564786176" for name in INT_QUERY_NAMES)
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        response = client.get(f"{rule.rule}?{query}")
        if response.status_code >= 500:
            failures.append((rule.rule, response.status_code))
    assert failures == []
    api = client.get("/api/v1/agenda-items?body=-87389712906638564786176")
    assert api.status_code == 400 and "숫자가 너무 큽니다" in api.get_json()["error"]
    page = client.get(f"/agenda/?cycle={OVERLONG}")
    assert page.status_code == 400 and "숫자가 너무 큽니다" in text(page)
    # a number that is merely not a number keeps being ignored
    assert client.get("/agenda/?cycle=abc").status_code == 200


def test_a_form_number_no_column_can_hold_is_explained_not_a_500(client, db, auth, make):
    auth.login(make.admin())
    body = make.body()
    response = client.post(f"/admin/bodies/{body.id}/members",
                           data={"user_id": OVERLONG, "role": "member", "start_date": "2026-01-01"})
    # the database refuses the number (SQLite: overflow, PostgreSQL: out of range): a message, not a crash
    assert response.status_code == 400 and "숫자" in text(response)
    assert client.get(f"/bodies/{body.id}").status_code == 200  # the session is usable again


@pytest.fixture
def proposing(db, make, clock):
    """A cycle open for proposals, and a verified resident logged in through the API's client."""
    cycle = make.cycle(support_threshold=5)
    make.body(name="복지건강분과").field = "복지·건강"  # an item's field must be a subcommittee's
    db.session.commit()
    return cycle


def _proposal(**overrides):
    data = {"title": "석관동 골목 조명", "field": "복지·건강", "problem": "밤길이 어둡습니다.", "solution": "가로등을 늘립니다."}
    data.update(overrides)
    return data


def test_api_refuses_numbers_and_nesting_it_cannot_store_or_read(client, db, auth, make, proposing):
    auth.login(make.user())
    for cost in (10**30, 2**31, -1):
        response = client.post("/api/v1/agenda-items", json=_proposal(cost=cost))
        assert response.status_code == 400 and "예상 비용" in response.get_json()["error"], cost
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/agenda-items", data=deep, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    for bad in ({"dong": ["석관동"]}, {"client_token": 7}, {"title": "가로등\x00"}, {"client_token": "x" * 65}):
        response = client.post("/api/v1/agenda-items", json=_proposal(**bad))
        assert response.status_code == 400 and response.get_json()["error"], bad
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 0
    assert client.post("/api/v1/agenda-items", json=_proposal(cost=2**31 - 1)).status_code == 201


def test_api_answers_anonymous_writes_with_401_even_before_a_csrf_check(client, db, app):
    app.config["WTF_CSRF_ENABLED"] = True
    for path in ("/api/v1/agenda-items", "/api/v1/agenda-items/1/support"):
        response = client.post(path, json=_proposal())
        assert response.status_code == 401 and "로그인" in response.get_json()["error"], path


def test_api_refuses_unknown_choices_instead_of_ignoring_them(client, db):
    for query in ("sort=oldest", "sort=", "stage=draft", "stage=nonsense"):
        response = client.get(f"/api/v1/agenda-items?{query}")
        assert response.status_code == 400 and "허용되지 않는 값" in response.get_json()["error"], query
    assert client.get("/api/v1/agenda-items?sort=supported&stage=proposed").status_code == 200


def test_supporting_a_closed_item_is_a_conflict(client, db, auth, make, proposing):
    item = make.agenda_item("closed", cycle=proposing, title="끝난 의제")
    auth.login(make.user())
    response = client.post(f"/api/v1/agenda-items/{item.id}/support")
    assert response.status_code == 409 and "논의가 끝난 의제" in response.get_json()["error"]


def test_openapi_document_declares_what_the_api_enforces(client, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"session", "csrfToken"} <= set(doc["components"]["securitySchemes"])
    create = doc["paths"]["/agenda-items"]["post"]
    assert create["security"] and {"401", "409"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert all(body[name]["minLength"] == 1 for name in ("title", "field", "problem", "solution"))
    assert body["cost"]["maximum"] == 2**31 - 1
    support = doc["paths"]["/agenda-items/{id}/support"]["post"]
    assert "409" in support["responses"] and support["security"]
    params = {p["name"]: p["schema"] for p in doc["paths"]["/agenda-items"]["get"]["parameters"]}
    assert "draft" not in params["stage"]["enum"] and params["sort"]["enum"]


def test_refusals_say_when_to_come_back_and_what_is_allowed(client, db, auth, make):
    not_allowed = client.get("/account/logout")
    assert not_allowed.status_code == 405 and "POST" in not_allowed.headers["Allow"]
    api = client.get("/api/v1/agenda-items/1/support")
    assert api.status_code == 405 and "POST" in api.headers["Allow"] and api.get_json()["error"]
    auth.login(make.user())
    statuses = [client.post("/api/v1/agenda-items", data="x", content_type="application/json").status_code
                for _ in range(21)]  # 20 per hour
    assert statuses[-1] == 429
    limited = client.post("/api/v1/agenda-items", data="x", content_type="application/json")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) == 3600


def test_text_downloads_name_their_charset_once(client, db, auth, make, app):
    assert client.get("/events/calendar.ics").headers["Content-Type"] == "text/calendar; charset=utf-8"
    auth.login(make.admin())
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            content_type = client.get(rule.rule).headers.get("Content-Type", "")
            assert content_type.count("charset") <= 1, (rule.rule, content_type)


# --- open redirects ---------------------------------------------------------------------

REDIRECT_CORPUS = [
    "//evil.example", "///evil.example", "/\t/evil.example", "/\r\n/evil.example", "/\n/evil.example",
    "/\r/evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "\\/evil.example",
    "https://evil.example", "http:evil.example", "https:/\\evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,x", " //evil.example", "\t//evil.example", "/ /evil.example",
    "/\x00/evil.example", "evil.example", "/\r\nSet-Cookie: stolen=1",
]
# As the probe sent them: encoded once (the query parser decodes them) or twice (it must not decode again).
RAW_QUERIES = ["/%09/evil.example", "/%0d%0a/evil.example", "%2F%2Fevil.example", "%252F%252Fevil.example",
               "/%5Cevil.example", "%5C%5Cevil.example", "https%3A%2F%2Fevil.example", "/%2509/evil.example",
               "/%E3%80%80/evil.example", "%09//evil.example", "/%0D%0ASet-Cookie:%20stolen=1"]


def _stays_on_site(location: str) -> bool:
    """Whether a browser following ``location`` stays here (it drops tabs and newlines, reads \\ as /)."""
    seen = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip("\x00 ")
    url = urlsplit(urljoin("http://localhost/here", seen))
    return url.scheme == "http" and url.netloc == "localhost"


def _check(response, label) -> None:
    assert response.status_code in (302, 303), (label, response.status_code)
    assert _stays_on_site(response.headers["Location"]), (label, response.headers["Location"])


def test_the_language_switch_only_returns_to_pages_of_this_site(client, db):
    for target in REDIRECT_CORPUS:
        _check(client.get("/lang/ko", query_string={"next": target}), target)
    for raw in RAW_QUERIES:
        _check(client.get(f"/lang/ko?next={raw}"), raw)
    assert client.get("/lang/ko?next=/bodies/%3Fq%3Da").headers["Location"] == "/bodies/?q=a"


def test_login_only_returns_to_pages_of_this_site_before_and_after_logging_in(client, db, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1000 per minute")
    user = make.user()
    targets = [("", t) for t in REDIRECT_CORPUS] + [(raw, None) for raw in RAW_QUERIES]
    for raw, target in targets[::3]:  # logging in (each login checks a password hash: a third of them)
        client.post("/account/logout")
        url = f"/account/login?next={raw}" if target is None else "/account/login"
        response = client.post(url, query_string=None if target is None else {"next": target},
                               data={"email": user.email, "password": PASSWORD})
        _check(response, raw or target)
    for raw, target in targets:  # already logged in
        url = f"/account/login?next={raw}" if target is None else "/account/login"
        _check(client.get(url, query_string=None if target is None else {"next": target}), raw or target)
    assert client.get("/account/login?next=/bodies/").headers["Location"] == "/bodies/"


def test_forum_buttons_only_return_to_pages_of_this_site(client, db, make):
    item = make.agenda_item(title="정릉천 조명", field="도시·환경")
    client.post("/account/login", data={"email": make.user().email, "password": PASSWORD})
    posted = client.post(f"/forums/room/agenda-{item.id}/posts", data={"body": "조명이 필요합니다", "client_token": ""})
    assert posted.status_code == 302
    post_id = posted.headers["Location"].rsplit("#post-", 1)[1]
    for target in REDIRECT_CORPUS:
        _check(client.post(f"/forums/posts/{post_id}/react", data={"kind": "like", "next": target}), target)
    back = client.post(f"/forums/posts/{post_id}/react", data={"kind": "like", "next": f"/agenda/{item.id}"})
    assert back.headers["Location"] == f"/agenda/{item.id}#post-{post_id}"


def test_safe_next_is_the_one_gate_for_redirect_targets():
    """Every view that redirects to a ``next`` it was given goes through app.inputs.safe_next."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "app"
    offenders = []
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if re.search(r"""def _?safe_next\(""", source) and path.name != "inputs.py":
            offenders.append(str(path))
        for line in source.splitlines():
            if re.search(r"""redirect\([^)]*(request\.(args|form)|form\.next)""", line) and "safe_next(" not in line:
                offenders.append(f"{path}: {line.strip()}")
    assert offenders == []


# --- the API's own contract, fuzzed ------------------------------------------------------

def test_the_api_keeps_its_openapi_contract_for_generated_requests(app, client, db, auth, make, proposing,
                                                                   monkeypatch):
    """Schemathesis sends requests built from /api/v1/openapi.json: no 5xx, every answer as documented."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance, negative_data_rejection, response_schema_conformance, status_code_conformance,
    )

    from app.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)  # let every generated request reach the view
    resident = make.user()
    supported = make.agenda_item(cycle=proposing, title="공감받을 의제")
    auth.login(resident)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5

    for operation in operations:
        modes = [(GenerationMode.POSITIVE, [])]
        if operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"):
            modes.append((GenerationMode.NEGATIVE, [negative_data_rejection]))  # and it must be refused
        for mode, extra in modes:
            @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(session=client, checks=checks + extra)

            run()
