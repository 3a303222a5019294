"""Participation statistics: how many meetings and events were held, and how many people took part.

Attendance rows are the one source: a registrant checked in on site, a walk-in,
a registrant who joined the live room, a member present at a body meeting's roll
call. Body meetings are grouped by the kind of the body that held them (the
district reports e.g. "협치분과회의 35회, 누적 376명"); town halls, forums,
debates and trainings by their own kind. "Held" means published (not a draft,
not cancelled) and either started or with someone already checked in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from app.bodies.models import Body, BodyKind
from app.events.models import Attendance, AttendanceMode, Event, EventKind, EventStatus
from app.extensions import db
from app.utils import KST, csv_document, now


@dataclass
class Row:
    key: str
    label: str
    held: int = 0
    participants: int = 0
    on_site: int = 0
    online: int = 0

    @property
    def average(self) -> float:
        return round(self.participants / self.held, 1) if self.held else 0.0


@dataclass
class Report:
    start: date
    end: date  # inclusive, KST dates
    rows: list[Row]
    bodies: list[Row]

    @property
    def total(self) -> Row:
        total = Row("total", _("합계"))
        for r in self.rows:
            total.held += r.held
            total.participants += r.participants
            total.on_site += r.on_site
            total.online += r.online
        return total


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """KST dates [start, end] as naive UTC datetimes [from, to)."""
    return (datetime.combine(start, datetime.min.time()) - KST,
            datetime.combine(end + timedelta(days=1), datetime.min.time()) - KST)


def meeting_label(kind: BodyKind) -> str:
    """How the district names a body kind's meetings in its reports."""
    return {BodyKind.SUBCOMMITTEE: _("협치분과 회의"), BodyKind.WORKING_COUNCIL: _("분과실무협의회 회의"),
            BodyKind.PRACTICAL_COMMITTEE: _("협치실무위원회 회의"), BodyKind.DISTRICT_COUNCIL: _("구 협치회의")}[kind]


def participation(start: date, end: date) -> Report:
    """Events held between KST dates ``start`` and ``end`` (inclusive) and their participants, by kind."""
    lo, hi = _bounds(start, end)
    # Held: published, in the period, and either started or already checking people in.
    present = aliased(Attendance)
    has_attendance = select(present.id).where(present.event_id == Event.id).correlate(Event).exists()
    held = ((Event.status == EventStatus.PUBLISHED) & (Event.starts_at >= lo) & (Event.starts_at < hi)
            & ((Event.starts_at <= now()) | has_attendance))
    counted = (
        select(Event.id.label("event_id"), Event.kind.label("kind"), Event.body_id.label("body_id"),
               func.count(Attendance.id).label("n"),
               func.count(case((Attendance.mode == AttendanceMode.ON_SITE, Attendance.id))).label("on_site"),
               func.count(case((Attendance.mode == AttendanceMode.ONLINE, Attendance.id))).label("online"))
        .select_from(Event).outerjoin(Attendance, Attendance.event_id == Event.id)
        .where(held).group_by(Event.id, Event.kind, Event.body_id)
    ).subquery()
    rows = db.session.execute(
        select(counted.c.kind, Body.kind, Body.id, Body.name, func.count(), func.sum(counted.c.n),
               func.sum(counted.c.on_site), func.sum(counted.c.online))
        .select_from(counted).outerjoin(Body, Body.id == counted.c.body_id)
        .group_by(counted.c.kind, Body.kind, Body.id, Body.name)
    ).all()

    groups: dict[str, Row] = {}
    for kind in BodyKind.__members__.values():
        key = f"meeting:{kind.value}"
        groups[key] = Row(key, meeting_label(kind))
    groups["meeting:none"] = Row("meeting:none", _("기타 회의"))
    for kind in EventKind:
        if kind is not EventKind.BODY_MEETING:
            groups[f"event:{kind.value}"] = Row(f"event:{kind.value}", kind.label)
    per_body: dict[int, Row] = {}
    for event_kind, body_kind, body_id, body_name, n_events, n, on_site, online in rows:
        event_kind = EventKind(event_kind) if not isinstance(event_kind, EventKind) else event_kind
        if event_kind is EventKind.BODY_MEETING:
            key = f"meeting:{body_kind.value}" if body_kind else "meeting:none"
        else:
            key = f"event:{event_kind.value}"
        for row in [groups[key]] + ([per_body.setdefault(body_id, Row(f"body:{body_id}", body_name))]
                                    if event_kind is EventKind.BODY_MEETING and body_id else []):
            row.held += n_events
            row.participants += int(n or 0)
            row.on_site += int(on_site or 0)
            row.online += int(online or 0)
    ordered = [groups[f"meeting:{k.value}"] for k in reversed(list(BodyKind))]  # 협치분과 first, as reported
    ordered += [r for k, r in groups.items() if k.startswith("event:")]
    if groups["meeting:none"].held:
        ordered.append(groups["meeting:none"])
    bodies = sorted(per_body.values(), key=lambda r: (-r.held, r.label))
    return Report(start=start, end=end, rows=ordered, bodies=bodies)


def report_csv(report: Report) -> str:
    """The same table as the page, as CSV (UTF-8 with BOM for spreadsheet programs)."""
    table = [[_("기간"), f"{report.start.isoformat()} ~ {report.end.isoformat()}"],
             [_("구분"), _("개최 횟수"), _("누적 참여 인원"), _("현장"), _("온라인"), _("회당 평균")]]
    table += [[row.label, row.held, row.participants, row.on_site, row.online, row.average]
              for row in report.rows + [report.total]]
    if report.bodies:
        table += [[], [_("기구별 회의"), _("개최 횟수"), _("누적 참여 인원"), _("현장"), _("온라인"), _("회당 평균")]]
        table += [[row.label, row.held, row.participants, row.on_site, row.online, row.average]
                  for row in report.bodies]
    return csv_document(table)
