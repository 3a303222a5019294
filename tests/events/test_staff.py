"""Staff and hosting chairs create, edit, publish and cancel events; residents cannot."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.bodies.models import MemberRole
from app.events import services
from app.events.models import Audience, Event, EventKind, EventStatus, RegistrationStatus
from app.extensions import db
from app.notifications import Notification
from tests.helpers import audit_rows, outbox_for, text

FORM = {"kind": "town_hall", "title": "2027 주민참여 타운홀미팅", "description": "내년 협치사업을 함께 정합니다.",
        "starts_at": "2026-12-05T14:00", "ends_at": "2026-12-05T17:00", "venue": "구청 다목적홀",
        "map_url": "https://map.example.kr/place/1", "capacity": "3", "audience": "public",
        "q1_prompt": "사는 동", "q1_required": "y", "q1_exportable": "y", "q2_prompt": "", "publish": "1"}


def test_staff_create_a_town_hall_in_kst_with_questions(client, auth, make):
    staff = make.staff()
    auth.login(staff)
    response = client.post("/events/new", data=FORM)
    assert response.status_code == 302, text(response)
    event = db.session.scalar(select(Event).where(Event.title == FORM["title"]))
    assert event.status is EventStatus.PUBLISHED and event.capacity == 3
    assert event.starts_at == datetime(2026, 12, 5, 5, 0)  # 14:00 KST is 05:00 UTC
    assert [(q.prompt, q.required, q.exportable) for q in event.questions] == [("사는 동", True, True)]
    assert audit_rows("event.create")[-1].target_id == event.id
    page = text(client.get(f"/events/{event.id}"))
    assert "2026-12-05 14:00" in page and "구청 다목적홀" in page


def test_bad_event_input_is_explained(client, auth, make):
    auth.login(make.staff())
    cases = [(dict(FORM, ends_at="2026-12-05T13:00"), "끝나는 일시는 시작 일시보다 늦어야"),
             (dict(FORM, capacity="0"), "정원은 1명 이상"),
             (dict(FORM, map_url="javascript:alert(1)"), "http:// 또는 https://"),
             (dict(FORM, audience="body_members"), "주관 기구를 정해야"),
             (dict(FORM, registration_closes_at="2026-12-06T10:00"), "신청 마감은 행사가 끝나기 전")]
    for data, message in cases:
        response = client.post("/events/new", data=data)
        assert response.status_code == 422, message
        assert message in text(response), message
    assert db.session.scalar(select(Event).where(Event.title == FORM["title"])) is None


def test_residents_cannot_create_events(client, auth, make):
    auth.login(make.user())
    assert client.get("/events/new").status_code == 403
    assert client.post("/events/new", data=FORM).status_code == 403


def test_chair_and_secretary_host_events_of_their_own_body_only(client, auth, make):
    body, other = make.body(name="도시환경분과"), make.body(name="경제일자리분과")
    secretary = make.user()
    make.membership(body, secretary, MemberRole.SECRETARY)
    auth.login(secretary)
    response = client.post("/events/new", data=dict(FORM, body_id=str(body.id), kind="training"))
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.body_id == body.id))
    assert event.kind is EventKind.TRAINING
    assert client.get(f"/events/{event.id}/manage").status_code == 200
    # Another body is not a choice, and a forged post is refused.
    response = client.post("/events/new", data=dict(FORM, body_id=str(other.id)))
    assert response.status_code in (422, 403)
    assert db.session.scalar(select(Event).where(Event.body_id == other.id)) is None


def test_editing_with_a_stale_form_is_refused(client, auth, make, event):
    auth.login(event.created_by)
    stale = dict(FORM, version=str(event.version), title="고친 제목 A")
    services.update_event(event, actor=event.created_by, title="먼저 고친 제목")
    response = client.post(f"/events/{event.id}/edit", data=stale)
    assert response.status_code == 409 and "다른 사람이 먼저" in text(response)
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "먼저 고친 제목"


def test_more_seats_promote_the_waitlist(make, event):
    people = [make.user() for _ in range(5)]
    regs = [services.register(event, p) for p in people]
    services.update_event(event, actor=event.created_by, capacity=4)
    db.session.expire_all()
    assert [services.registration_of(event, p).status for p in people] == [RegistrationStatus.CONFIRMED] * 4 + [
        RegistrationStatus.WAITLISTED]


def test_cancelling_an_event_tells_registrants(client, auth, make, event):
    resident = make.user()
    services.register(event, resident)
    auth.login(event.created_by)
    response = client.post(f"/events/{event.id}/cancel", data={"reason": ""})
    assert db.session.get(Event, event.id).status is EventStatus.PUBLISHED
    # One click only asks: staff read who will be told, and the event stands until they confirm.
    asked = client.post(f"/events/{event.id}/cancel", data={"reason": "태풍 예보로 연기합니다"})
    assert asked.status_code == 200
    assert "행사를 취소할까요?" in text(asked) and "신청자 1명에게 취소 사실과 사유가 안내" in text(asked)
    assert 'name="reason" value="태풍 예보로 연기합니다"' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.PUBLISHED
    assert db.session.scalar(select(Notification).where(Notification.user_id == resident.id)) is None
    response = client.post(f"/events/{event.id}/cancel", data={"reason": "태풍 예보로 연기합니다", "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.CANCELLED
    note = db.session.scalar(select(Notification).where(Notification.user_id == resident.id))
    assert "취소되었습니다" in note.message and "태풍" in note.message
    assert services.registration_of(event, resident).status is RegistrationStatus.CANCELLED
    auth.logout()
    auth.login(make.user())
    response = client.post(f"/events/{event.id}/register")
    assert response.status_code == 422 and "취소된 행사입니다" in text(response)


def test_draft_is_published_by_staff(client, auth, new_event):
    draft = new_event(publish=False)
    auth.login(draft.created_by)
    assert client.post(f"/events/{draft.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, draft.id).status is EventStatus.PUBLISHED


def test_manage_page_shows_accessibility_needs_only_as_totals(client, auth, make, event):
    from app.events.services import RegistrationDetails

    for i, needs in enumerate([dict(needs_sign_language=True), dict(needs_sign_language=True, needs_childcare=True),
                               dict()]):
        services.register(event, make.user(name=f"요청자{i}"), RegistrationDetails(answers={}, **needs))
    assert services.accessibility_totals(event) == {"sign_language": 2, "wheelchair": 0, "childcare": 1}
    auth.login(event.created_by)
    page = text(client.get(f"/events/{event.id}/manage"))
    assert "수어 통역</dt><dd>2명" in page and "아이 돌봄</dt><dd>1명" in page


def test_a_body_meeting_can_be_edited_and_stays_a_meeting(client, auth, make, new_event):
    body = make.body(name="안전교통분과")
    chair = make.user()
    make.membership(body, chair, MemberRole.CHAIR)
    meeting = new_event(kind=EventKind.BODY_MEETING, body=body, audience=Audience.BODY_MEMBERS, actor=chair)
    auth.login(chair)
    data = dict(FORM, kind="body_meeting", body_id=str(body.id), audience="body_members", title="제5차 정기회의",
                version=str(meeting.version))
    data.pop("publish")
    assert client.post(f"/events/{meeting.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Event, meeting.id)
    assert (saved.title, saved.kind) == ("제5차 정기회의", EventKind.BODY_MEETING)


def test_the_confirmation_page_reposts_the_form_with_a_fresh_csrf_token(client, auth, app, event):
    """What a browser without JavaScript does: submit the form, then the confirmation page's own form."""
    import html
    import re

    auth.login(event.created_by)
    app.config["WTF_CSRF_ENABLED"] = True  # the db fixture turns it off again
    manage = text(client.get(f"/events/{event.id}/manage"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', manage).group(1)
    asked = client.post(f"/events/{event.id}/cancel", data={"csrf_token": token, "reason": "강당 공사 \"연기\""})
    assert asked.status_code == 200 and "행사를 취소할까요?" in text(asked)
    form = text(asked).split('class="confirm-form"')[1].split("</form>")[0]
    fields = {html.unescape(name): html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}
    assert fields["reason"] == '강당 공사 "연기"' and fields["confirmed"] == "1" and fields["csrf_token"]
    assert f'href="/events/{event.id}/manage"' in form  # going back changes nothing
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.PUBLISHED
    done = client.post(f"/events/{event.id}/cancel", data=fields)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status is EventStatus.CANCELLED
    assert db.session.get(Event, event.id).cancel_reason == '강당 공사 "연기"'


def test_staff_lists_never_show_a_registration_code_whole(client, auth, make, event):
    """A code opens and cancels its ticket: the manage page and the export show only its tail."""
    registration = services.register(event, make.user(name="코드주인"))
    auth.login(event.created_by)
    page = text(client.get(f"/events/{event.id}/manage"))
    export = client.get(f"/events/{event.id}/registrants.csv").get_data(as_text=True)
    for shown in (page, export):
        assert registration.code not in shown and registration.display_code not in shown
        assert registration.masked_code in shown
