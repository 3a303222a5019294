"""Test harness: one migrated database per run, each test inside a rolled-back transaction.

With DATABASE_URL (PostgreSQL) and REDIS_URL set, tests run against them:
each run gets its own PostgreSQL schema, dropped at the end. Without them,
a temporary SQLite file and in-memory rate limits. Under CI=true a missing
or unreachable service fails the run instead of falling back.
"""
from __future__ import annotations

import contextvars
import os
import re
import socket
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "_artifacts"


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=3).close()
        return True
    except OSError:
        return False


def _compile_translations() -> None:
    """Build the .mo catalogues from the .po files when they are missing or stale."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as dst:
                write_mo(dst, catalog, use_fuzzy=True)


def pytest_sessionstart(session):
    _compile_translations()
    ci = os.environ.get("CI", "").lower() == "true"
    for name in ("DATABASE_URL", "REDIS_URL"):
        url = os.environ.get(name)
        if url and not _reachable(url):
            pytest.exit(f"{name} is set but {url} is unreachable", returncode=3)
        if ci and not url:
            pytest.exit(f"CI=true but {name} is not set: CI must run against the real service", returncode=3)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith(("postgres", "postgresql")):
        return None
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use ``schema`` (so each run has its own)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


class Database:
    """A throwaway database: a temporary SQLite file, or a fresh PostgreSQL schema."""

    def __init__(self, tmp_path: Path, label: str):
        base = postgres_url()
        self.schema = None
        if base:
            self.schema = f"{label}_{uuid.uuid4().hex[:8]}"
            self.admin_engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            with self.admin_engine.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = with_search_path(base, self.schema)
        else:
            self.url = f"sqlite:///{tmp_path / (label + '.sqlite3')}"

    @property
    def kind(self) -> str:
        return "postgresql" if self.schema else "sqlite"

    def drop(self):
        if self.schema:
            with self.admin_engine.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self.admin_engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    db_ = Database(tmp_path_factory.mktemp("db"), "t")
    yield db_
    db_.drop()


def test_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "SOCKETIO_MESSAGE_QUEUE": None,  # socketio.test_client refuses a message queue
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:6]}",
        "CELERY": {"broker_url": "memory://", "task_always_eager": True, "task_eager_propagates": True,
                   "task_ignore_result": True},
    }


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    Tests hold an app context for their factories; without this, requests
    would share its ``g`` (cached login, locale) and its database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database):
    """The app on a database migrated from empty with ``flask db upgrade``."""
    from flask_migrate import upgrade

    from app import create_app

    application = create_app(test_config(database.url))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture
def db(app):
    """The database, with everything a test writes rolled back afterwards."""
    from app.extensions import db as _db
    from app.extensions import limiter

    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain Session honours `bind` (Flask-SQLAlchemy's picks its engine
        # itself): every session of the test, request and task sessions
        # included, works inside this one outer transaction.
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        limiter.reset()
        # Rolled-back rows can come back with the same id (SQLite) and, under the test clock, the same
        # creation time: the ballot path's copies of open rounds must not outlive the test that opened them.
        app.extensions.pop("voting.open_rounds", None)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()
            app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def client(app, db):
    return app.test_client()


# The moment every test starts at (naive UTC: 10:00 on 2026-11-25 in Seoul). No test reads the real
# clock: app.utils.now() is frozen here for every test, and the live server of the browser tests starts
# its clock here too (CLOCK_START), so the suite gives the same result on any day it runs.
TEST_NOW = datetime(2026, 11, 25, 1, 0, 0)


@pytest.fixture(autouse=True)
def clock():
    """app.utils.now() frozen at TEST_NOW for every test; ``clock.set(datetime)`` moves it.

    Autouse, so it is in place before any other fixture of a test builds rows from the time.
    """
    from app import utils

    class Clock:
        def set(self, moment: datetime):
            utils.freeze_clock(moment)

    utils.freeze_clock(TEST_NOW)
    yield Clock()
    utils.freeze_clock(None)


@pytest.fixture
def make(db):
    """Factories that build valid rows (tests/factories.py): ``make.user()``, ``make.body()``, ``make.membership()``,
    ``make.cycle()``, ``make.agenda_item()``, ``make.event()``, ``make.vote_round()``, ``make.plan()``."""
    return factories.Factories(db)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = factories.PASSWORD, remember: bool = False):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/account/login", data={"email": email, "password": password,
                                                        "remember": "y" if remember else ""})

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
