"""Logging out, as an outside tester tried to get around it: copied cookies, sockets, staff reading the outbox,
a town hall sharing one address."""
from __future__ import annotations

import re

import pytest

from app.forums.realtime import NAMESPACE
from tests.factories import PASSWORD
from tests.forums.conftest import call, sockets as socket_of  # noqa: F401  (the /forums socket fixture)
from tests.helpers import audit_rows, link_in, outbox_for, text


def _log_in(client, user, remember=False):
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD,
                                                   "remember": "y" if remember else ""})
    assert response.status_code == 302
    return client


def _copy_cookie(source, name: str, target):
    """What someone who got hold of ``source``'s cookie does: put it in another browser."""
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value)
    return target


def _logged_in(client) -> bool:
    return client.get("/account/me").status_code == 200


@pytest.fixture
def room(db, make, clock):
    """A public discussion room (an agenda item's)."""
    return f"agenda-{make.agenda_item(title='마을버스 배차', field='도시·환경').id}"


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(app, db, make):
    user = make.user()
    browser = _log_in(app.test_client(), user)
    thief = _copy_cookie(browser, "session", app.test_client())
    assert _logged_in(thief)  # the copy works while the login lasts

    assert browser.post("/account/logout").status_code == 302
    assert not _logged_in(browser)
    assert not _logged_in(thief)
    (row,) = audit_rows("user.logout")
    assert (row.actor_id, row.target_id) == (user.id, user.id)


def test_logging_out_with_remember_me_deletes_the_cookie_and_ends_copies_of_it(app, db, make):
    user = make.user()
    browser = _log_in(app.test_client(), user, remember=True)
    thief = _copy_cookie(browser, "remember_token", app.test_client())
    assert _logged_in(thief)  # the copy logs in by itself, without the session cookie

    response = browser.post("/account/logout")
    assert any(c.startswith("remember_token=;") for c in response.headers.getlist("Set-Cookie"))
    assert browser.get_cookie("remember_token") is None
    assert not _logged_in(browser)  # the next request is not logged in again
    assert not _logged_in(thief)


def test_logging_out_drops_that_browsers_socket_at_once_and_a_copy_cannot_post(app, db, make, room, socket_of):
    user, other = make.user(), make.user()
    browser = _log_in(app.test_client(), user)
    elsewhere = _log_in(app.test_client(), other)
    sio, bystander = socket_of(browser), socket_of(elsewhere)
    thief = socket_of(_copy_cookie(browser, "session", app.test_client()))
    for s in (sio, bystander):
        assert call(s, "join", {"room": room, "last_seq": 0})["ok"]
    assert call(thief, "post", {"room": room, "body": "훔친 쿠키로", "client_id": "before"})["ok"]

    browser.post("/account/logout")  # no periodic sweep runs in tests: this alone must do it
    assert not sio.is_connected(NAMESPACE)
    assert not thief.is_connected(NAMESPACE)
    assert bystander.is_connected(NAMESPACE)  # someone else's login is untouched
    late = socket_of(_copy_cookie(browser, "session", app.test_client()))  # a copy made before, used after
    assert call(late, "post", {"room": room, "body": "로그아웃 뒤에", "client_id": "after"}) == {
        "error": "로그인한 뒤 참여할 수 있습니다."}


def test_a_socket_whose_login_ended_is_refused_even_if_it_was_not_dropped(app, db, make, room, socket_of,
                                                                          monkeypatch):
    from app import socket_auth

    user = make.user()
    browser = _log_in(app.test_client(), user)
    sio = socket_of(browser)
    assert call(sio, "join", {"room": room, "last_seq": 0})["ok"]
    monkeypatch.setattr(socket_auth, "end_logins", lambda **kw: None)  # the message queue lost the close
    browser.post("/account/logout")
    assert sio.is_connected(NAMESPACE)
    reply = call(sio, "post", {"room": room, "body": "아직 연결되어 있으니", "client_id": "stale"})
    assert reply == {"error": "로그아웃되어 연결을 끊었습니다. 다시 로그인해 주세요."}
    assert not sio.is_connected(NAMESPACE)


def test_logging_out_one_browser_leaves_the_others_logged_in(app, db, make):
    user = make.user()
    phone, laptop = _log_in(app.test_client(), user), _log_in(app.test_client(), user)
    phone.post("/account/logout")
    assert not _logged_in(phone)
    assert _logged_in(laptop)


def test_log_out_everywhere_ends_every_session_remember_cookie_and_socket(app, db, make, room, socket_of):
    user, other = make.user(), make.user()
    phone = _log_in(app.test_client(), user, remember=True)
    laptop = _log_in(app.test_client(), user)
    library = _log_in(app.test_client(), user, remember=True)
    thief = _copy_cookie(library, "remember_token", app.test_client())
    neighbour = _log_in(app.test_client(), other)
    sockets = [socket_of(phone), socket_of(laptop)]
    neighbour_socket = socket_of(neighbour)
    assert "모든 기기에서 로그아웃" in text(laptop.get("/account/me"))

    response = laptop.post("/account/me/logout-everywhere", follow_redirects=True)
    assert "모든 기기에서 로그아웃되었습니다" in text(response)
    for client in (phone, laptop, library, thief):
        assert not _logged_in(client)
    assert [s.is_connected(NAMESPACE) for s in sockets] == [False, False]
    assert _logged_in(neighbour) and neighbour_socket.is_connected(NAMESPACE)
    (row,) = audit_rows("user.logout_everywhere")
    assert (row.actor_id, row.target_id, row.detail) == (user.id, user.id, {"sessions": 3})
    assert _log_in(app.test_client(), user)  # the password still works: only the logins ended


def test_a_new_password_drops_the_other_browsers_sockets_at_once(app, db, make, room, socket_of):
    user = make.user()
    here, there = _log_in(app.test_client(), user), _log_in(app.test_client(), user)
    mine, theirs = socket_of(here), socket_of(there)
    response = here.post("/account/me/password", data={
        "current_password": PASSWORD, "password": "changed-password", "password_confirm": "changed-password"})
    assert response.status_code == 302
    assert not theirs.is_connected(NAMESPACE)
    assert mine.is_connected(NAMESPACE) and _logged_in(here)


def test_log_out_everywhere_needs_a_login(client, db):
    response = client.post("/account/me/logout-everywhere")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- the outbox shows no live secret -----------------------------------------------------------

def _outbox_page(app, make) -> str:
    staff = _log_in(app.test_client(), make.staff())
    page = text(staff.get("/admin/outbox"))
    assert "보낸 메일함" in page
    return page


def test_staff_cannot_take_over_the_admin_with_a_reset_link_from_the_outbox(app, db, make):
    admin = make.admin(email="admin@example.com")
    anonymous = app.test_client()
    anonymous.post("/account/reset", data={"email": "admin@example.com"})
    (mail,) = outbox_for(admin.email)
    token = link_in(mail).rsplit("/", 1)[1]
    assert len(token) > 20

    page = _outbox_page(app, make)
    assert token not in page
    assert "아래 링크에서 새 비밀번호를 정하세요" in page  # the rest stays readable
    assert "/account/reset/[가림]" in page


def test_the_outbox_hides_email_verification_links(app, db):
    from tests.auth.test_accounts import SIGNUP

    app.test_client().post("/account/signup", data={**SIGNUP, "email": "verify-me@example.com"})
    (mail,) = outbox_for("verify-me@example.com")
    token = link_in(mail).rsplit("/", 1)[1]

    from tests.factories import Factories

    page = _outbox_page(app, Factories(db))
    assert token not in page
    assert "아래 링크를 열어 이메일 주소를 확인해 주세요" in page


def test_the_outboxes_hide_guest_codes_and_tickets(app, db, make, clock):
    from datetime import datetime

    from app.events.models import Registration

    staff = make.staff()
    event = make.event(title="열린 타운홀", starts_at=datetime(2026, 12, 2, 5, 0), created_by=staff,
                       venue="구청 대회의실", capacity=30)
    guest = app.test_client()
    response = guest.post(f"/events/{event.id}/guest", data={"name": "박손님", "email": "guest@example.com"})
    code = re.search(r"\b(\d{6})\b", outbox_for("guest@example.com")[-1].body).group(1)
    page = _outbox_page(app, make)
    assert code not in page and "신청 확인 코드" in page

    guest.post(response.headers["Location"], data={"code": code})
    registration = db.session.query(Registration).filter_by(event_id=event.id).one()
    page = _outbox_page(app, make)
    assert registration.code not in page and registration.display_code not in page
    assert "참가 신청이 확정되었습니다" in page

    guest.post(f"/events/{event.id}/guest", data={"name": "최손님", "phone": "010-2345-6789"})
    from app.events.models import SmsMessage

    sms = db.session.query(SmsMessage).filter_by(recipient="01023456789").one()
    sms_code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    staff_client = _log_in(app.test_client(), staff)
    page = text(staff_client.get("/events/sms-outbox"))
    assert sms_code not in page and "신청 확인 코드는" in page


def test_redaction_keeps_ordinary_links_and_text(app):
    from app.mail import redact_secrets

    with app.test_request_context():
        body = ("새 소식입니다: https://example.org/agenda/12 (2026-12-02)\n"
                "입장권: https://example.org/events/ticket/AB12CD34.ics?lang=ko, 등록 코드: AB12-CD34")
        shown = redact_secrets(body)
    assert shown == ("새 소식입니다: https://example.org/agenda/12 (2026-12-02)\n"
                     "입장권: https://example.org/events/ticket/[가림].ics?lang=%5B%EA%B0%80%EB%A6%BC%5D, 등록 코드: [가림]")


# --- a town hall behind one address ---------------------------------------------------------------

def test_a_venue_past_its_failed_login_ceiling_still_lets_the_right_password_in(app, db, make, monkeypatch, clock):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "3 per minute")
    venue = {"REMOTE_ADDR": "203.0.113.50"}
    resident, guessed = make.user(), make.user()
    phone = app.test_client()
    for n in range(3):  # three residents mistype
        assert phone.post("/account/login", data={"email": f"typo{n}@example.com", "password": "x"},
                          environ_base=venue).status_code == 422
    wrong = phone.post("/account/login", data={"email": guessed.email, "password": "not-it"}, environ_base=venue)
    assert wrong.status_code == 429 and "요청이 너무 많습니다" in text(wrong)

    right = phone.post("/account/login", data={"email": resident.email, "password": PASSWORD}, environ_base=venue)
    assert right.status_code == 302 and _logged_in(phone)

    # Past the ceiling a wrong guess locks that account's back-off at once: one guess per account at a time.
    again = app.test_client().post("/account/login", data={"email": guessed.email, "password": PASSWORD},
                                   environ_base=venue)
    assert "로그인 시도가 너무 많습니다" in text(again)


def test_a_login_ends_when_its_remember_cookie_would_even_if_never_logged_out(app, db, make, clock):
    from datetime import timedelta

    from app.utils import now

    user = make.user()
    browser = _log_in(app.test_client(), user, remember=True)
    copy = _copy_cookie(browser, "remember_token", app.test_client())
    start = now()
    clock.set(start + timedelta(days=29))
    assert _logged_in(browser) and _logged_in(copy)
    clock.set(start + timedelta(days=30, minutes=1))
    assert not _logged_in(browser) and not _logged_in(copy)
