"""The permission names other features rely on: events.view, events.follow_live, events.manage."""
from __future__ import annotations

from flask_login import AnonymousUserMixin

from app.bodies.models import MemberRole
from app.events.models import Audience
from app.permissions import can


def test_view_follow_live_and_manage(make, new_event):
    body = make.body(name="마을공동체분과")
    chair, secretary, member, outsider, staff = (make.user() for _ in range(5))
    make.membership(body, chair, MemberRole.CHAIR)
    make.membership(body, secretary, MemberRole.SECRETARY)
    make.membership(body, member, MemberRole.MEMBER)
    staff = make.staff()
    anonymous = AnonymousUserMixin()
    members_only = new_event(body=body, audience=Audience.BODY_MEMBERS)
    public = new_event(body=body)
    draft = new_event(body=body, publish=False)

    assert can("events.view", members_only, user=anonymous)  # the page is public; joining is not
    assert not can("events.follow_live", members_only, user=anonymous)
    assert not can("events.follow_live", members_only, user=outsider)
    assert can("events.follow_live", members_only, user=member)
    assert can("events.follow_live", members_only, user=staff)
    assert can("events.follow_live", public, user=anonymous)

    assert not can("events.view", draft, user=member)
    assert can("events.view", draft, user=chair) and can("events.view", draft, user=staff)
    assert [can("events.manage", public, user=u) for u in (chair, secretary, member, outsider, staff)] == [
        True, True, False, False, True]


def test_sms_outbox_is_for_staff(client, auth, make, event):
    client.post(f"/events/{event.id}/guest", data={"name": "문자손님", "phone": "01055556666"})
    auth.login(make.user())
    assert client.get("/events/sms-outbox").status_code == 403
    auth.logout()
    auth.login(make.staff())
    page = client.get("/events/sms-outbox").get_data(as_text=True)
    assert "010-****-6666" in page and "확인 코드는" in page
