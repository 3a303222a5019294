"""The agenda list and item pages with 10,000 items, on the embedded default (SQLite).

Run from the repository root:  .venv/bin/python bench/agenda_list.py [--rows 10000] [--requests 200]

Builds a throwaway database, fills it through the models, then times GET requests
through the whole app (routing, login session, templates) with Flask's test client.
The last line is:  rows=… list_p95_ms=… item_p95_ms=… list_queries=…
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    workdir = tempfile.mkdtemp(prefix="agenda-bench-")

    from flask_migrate import upgrade
    from sqlalchemy import event, insert

    from app import create_app
    from app.agenda.models import AgendaItem
    from app.demo import seed_demo
    from app.extensions import db
    from app.utils import now

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite3", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        seed_demo()
        cycle_id = db.session.scalar(db.select(AgendaItem.cycle_id).limit(1))
        proposer = db.session.scalar(db.select(AgendaItem.proposer_id).limit(1))
        existing = db.session.scalar(db.select(db.func.count()).select_from(AgendaItem))
        rng = random.Random(1)
        fields = ["복지·건강", "교육·문화", "도시·환경", "경제·일자리", "안전·교통", "마을공동체"]
        stages = ["proposed", "subcommittee", "working_council", "practical_committee", "adopted", "rejected"]
        started = time.perf_counter()
        rows = [dict(cycle_id=cycle_id, title=f"벤치마크 의제 {i}", field=rng.choice(fields), dong="안암동",
                     problem="문제 " * 20, solution="해결 " * 20, effect="", proposer_id=proposer,
                     stage=rng.choice(stages), support_count=rng.randrange(100), comment_count=0,
                     created_at=now(), submitted_at=now(), updated_at=now(), version=1)
                for i in range(args.rows - existing)]
        if rows:  # a size below the demo's own items adds none (an empty bulk insert would insert a blank row)
            db.session.execute(insert(AgendaItem), rows)
        db.session.commit()
        total = db.session.scalar(db.select(db.func.count()).select_from(AgendaItem))
        item_ids = list(db.session.scalars(db.select(AgendaItem.id).where(AgendaItem.stage != "draft")))
        print(f"built {total} items in {time.perf_counter() - started:.1f}s")
        engine = db.engine

    client = app.test_client()
    queries = [0]

    def count(*_args, **_kwargs):
        queries[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    paths = ["/agenda/", "/agenda/?sort=supported", "/agenda/?field=도시·환경", "/agenda/?q=의제 12",
             "/agenda/?page=250", "/agenda/?stage=adopted&sort=supported"]
    list_times, list_queries = [], []
    for n in range(args.requests):
        path = paths[n % len(paths)]
        queries[0] = 0
        t = time.perf_counter()
        response = client.get(path)
        list_times.append(time.perf_counter() - t)
        list_queries.append(queries[0])
        assert response.status_code == 200, path
    item_times = []
    for n in range(args.requests):
        t = time.perf_counter()
        response = client.get(f"/agenda/{rng.choice(item_ids)}")
        item_times.append(time.perf_counter() - t)
        assert response.status_code == 200
    print(f"list pages: median {statistics.median(list_times) * 1000:.1f} ms, queries per page {sorted(set(list_queries))}")
    print(f"item pages: median {statistics.median(item_times) * 1000:.1f} ms")
    print(f"rows={total} list_p95_ms={p95(list_times):.1f} item_p95_ms={p95(item_times):.1f} "
          f"list_queries={max(list_queries)}")


if __name__ == "__main__":
    main()
