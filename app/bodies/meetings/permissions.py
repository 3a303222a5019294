"""Named permissions for body meetings and their minutes."""
from app.permissions import is_staff, predicate, register


def _body_of(obj):
    from app.bodies.meetings.models import BodyMeeting

    return obj.body if isinstance(obj, BodyMeeting) else obj


@predicate
def runs_body_meetings(user, obj) -> bool:
    """Chair, co-chair or secretary of the body (``obj`` is the body or one of its meetings)."""
    from app.bodies.meetings.services import is_officer

    return obj is not None and is_officer(_body_of(obj), user)


@predicate
def minutes_published(user, meeting) -> bool:
    from app.bodies.meetings.services import meeting_minutes_published

    return meeting is not None and meeting_minutes_published(meeting)


register("meeting.run", is_staff | runs_body_meetings)
register("minutes.view", minutes_published | is_staff | runs_body_meetings)
