"""The plan's exports for a big cycle: 100 selected projects and 2,000 meetings, on the embedded default (SQLite).

Run from the repository root:  .venv/bin/python bench/plan_export.py [--projects 100] [--meetings 2000]

Builds a throwaway database, fills it through the models (bodies, a cycle, adopted agenda items with
their timelines, body meetings with attendance), assembles the draft, then times each export task
end to end (building the document from the database, writing the file, storing it).
The last line is:  hwpx_s=… docx_s=… pdf_s=… html_s=…
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--meetings", type=int, default=2000)
    parser.add_argument("--formats", default="hwpx,docx,pdf,html")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile per format")
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    workdir = tempfile.mkdtemp(prefix="plan-bench-")

    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite3", "SECRET_KEY": "bench",
                      "PLAN_EXPORT_DIR": f"{workdir}/exports", "LOG_LEVEL": "WARNING"})
    from app.agenda.models import AgendaItem, StageMove
    from app.auth.models import Residency, SiteRole, User
    from app.bodies.models import Body, BodyKind
    from app.cycles.models import CyclePhase, PlanCycle
    from app.events.models import Attendance, AttendanceMode, Event, EventKind, EventStatus
    from app.extensions import db
    from app.plans import services
    from app.plans.models import ExportStatus, PlanExport

    import logging

    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        rng = random.Random(5)
        staff = User(email="staff@bench.kr", display_name="협치지원관", role=SiteRole.STAFF,
                     residency=Residency.RESIDENT, dong="안암동", email_verified_at=datetime(2026, 1, 1))
        db.session.add(staff)
        council = Body(name="구 협치회의", kind=BodyKind.DISTRICT_COUNCIL)
        committee = Body(name="협치실무위원회", kind=BodyKind.PRACTICAL_COMMITTEE, parent=council)
        working = Body(name="분과실무협의회", kind=BodyKind.WORKING_COUNCIL, parent=committee)
        subs = [Body(name=f"분과 {i}", kind=BodyKind.SUBCOMMITTEE, parent=working, field=f"분야{i}") for i in range(6)]
        bodies = [council, committee, working] + subs
        db.session.add_all(bodies)
        cycle = PlanCycle(year=2027, title="2027 지역사회혁신계획")
        for kind, start, end in (("discovery", date(2026, 1, 5), date(2026, 6, 30)),
                                 ("open_forum", date(2026, 9, 1), date(2026, 9, 30)),
                                 ("drafting", date(2026, 10, 1), date(2026, 11, 30)),
                                 ("execution", date(2027, 1, 1), date(2027, 12, 31))):
            cycle.phases.append(CyclePhase(kind=kind, starts_on=start, ends_on=end))
        db.session.add(cycle)
        db.session.commit()

        started = time.perf_counter()
        for i in range(args.projects):
            item = AgendaItem(cycle_id=cycle.id, title=f"협치사업 {i + 1:03d} 마을 돌봄과 골목 환경 개선", field=f"분야{i % 6}",
                              problem="주민이 겪는 불편을 구체적으로 적은 문제 정의입니다. " * 3,
                              solution="주민과 부서가 함께 추진하는 사업 내용입니다. " * 3, effect="참여 주민 수, 만족도",
                              cost=rng.randrange(20, 300) * 1_000_000, proposer_id=staff.id, stage="adopted",
                              submitted_at=datetime(2026, 3, 1))
            db.session.add(item)
            db.session.flush()
            previous = "draft"
            for step, stage in enumerate(["proposed", "subcommittee", "working_council", "practical_committee",
                                          "district_council", "adopted"]):
                db.session.add(StageMove(item_id=item.id, from_stage=previous, to_stage=stage,
                                         body_id=bodies[min(step, len(bodies) - 1)].id, decision_type="meeting_decision",
                                         reason="회의에서 의결했습니다.", created_at=datetime(2026, 3, 1) + timedelta(days=step * 20)))
                previous = stage
        db.session.commit()
        event_rows = []
        for n in range(args.meetings):
            starts = datetime(2026, 1, 10, 5) + timedelta(hours=n * 2)
            event_rows.append(dict(kind=EventKind.BODY_MEETING, status=EventStatus.PUBLISHED, title=f"정기회의 {n}",
                                   description="", body_id=rng.choice(bodies).id, cycle_id=cycle.id, starts_at=starts,
                                   ends_at=starts + timedelta(hours=2), venue="", online=False, audience="public",
                                   qa_open=False, created_at=starts, updated_at=starts, version=1))
        db.session.execute(insert(Event), event_rows)
        event_ids = db.session.scalars(select(Event.id)).all()
        attendance = [dict(event_id=e, walk_in_name=f"참석자 {k}", mode=AttendanceMode.ON_SITE,
                           checked_in_at=datetime(2026, 2, 1)) for e in event_ids for k in range(rng.randrange(5, 15))]
        db.session.execute(insert(Attendance), attendance)
        db.session.commit()
        print(f"built projects={args.projects} meetings={len(event_ids)} attendance={len(attendance)} "
              f"in {time.perf_counter() - started:.1f}s")

        started = time.perf_counter()
        plan = services.assemble(cycle, actor=staff)
        assemble_s = time.perf_counter() - started
        for project in plan.projects:
            content = dict(project.section.current.content)
            content.update(department="담당 부서", partners="협력 기관", schedule="3월 착수\n11월 완료",
                           city_fund=content["district_fund"] // 2, district_fund=content["district_fund"] // 2)
            services.save_section(project.section, content, actor=staff, expected_version=None)
        print(f"assembled sections={len(plan.sections)} in {assemble_s:.2f}s")

        timings = {}
        for fmt in args.formats.split(","):
            plan_id = plan.id
            db.session.expire_all()
            plan = db.session.get(type(plan), plan_id)
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started = time.perf_counter()
            export = services.request_export(plan, fmt, actor=staff)  # runs in-process: no broker configured
            elapsed = time.perf_counter() - started
            if profiler is not None:
                import pstats

                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            export = db.session.get(PlanExport, export.id)
            assert export.status is ExportStatus.DONE, export.error
            timings[fmt] = elapsed
            print(f"{fmt}: {elapsed:.2f}s, {export.size:,} bytes")
        print(" ".join(f"{fmt}_s={seconds:.2f}" for fmt, seconds in timings.items()))


if __name__ == "__main__":
    main()
