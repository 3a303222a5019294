"""Discussion fixtures: an agenda item open for talk, a town hall with a live Q&A, an online forum, socket clients."""
from __future__ import annotations

import contextvars
from datetime import timedelta

import pytest

from app.extensions import socketio
from app.forums.models import OnlineForum
from app.forums.realtime import NAMESPACE, presence
from app.utils import now

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_presence():
    presence.interval = 0.01  # presence counts go out at once in tests
    yield
    presence.interval = 2.0


@pytest.fixture
def item(db, make, clock):
    """A proposed agenda item (public, open for discussion)."""
    return make.agenda_item(title="정릉천 산책로 조명", field="도시·환경", proposer=make.user(name="제안자"),
                            problem="어둡습니다.", solution="조명을 답니다.")


@pytest.fixture
def town_hall(db, make, clock):
    """A published online town hall whose Q&A is open."""
    return make.event(title="온라인 타운홀", starts_in=timedelta(0), online=True, qa_open=True)


@pytest.fixture
def forum(db, make, clock):
    """An online forum open for a week."""
    staff = make.staff(name="담당 주무관")
    item = OnlineForum(title="골목길 주차", question="골목길 주차 문제, 어떻게 풀까요?", opens_at=now() - timedelta(days=1),
                       closes_at=now() + timedelta(days=7), created_by_id=staff.id)
    db.session.add(item)
    db.session.commit()
    return item


def login(client, user):
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def isolated(fn, *args, **kwargs):
    """Run a socket call in its own context, as a server would: handlers get their own app context and
    database session instead of sharing (and removing) the test's."""
    return contextvars.Context().run(fn, *args, **kwargs)


class Socket:
    """A Socket.IO test client on /forums whose every call runs isolated."""

    def __init__(self, app, flask_client):
        self.sio = isolated(socketio.test_client, app, namespace=NAMESPACE, flask_test_client=flask_client)

    def emit(self, *args, **kwargs):
        return isolated(self.sio.emit, *args, **kwargs)

    def disconnect(self, **kwargs):
        return isolated(self.sio.disconnect, **kwargs)

    def is_connected(self, namespace=NAMESPACE):
        return self.sio.is_connected(namespace)

    def get_received(self, namespace=NAMESPACE):
        return self.sio.get_received(namespace)


@pytest.fixture
def sockets(app, db):
    """``sockets(client)``: a Socket.IO test client on /forums carrying ``client``'s session cookie."""
    made = []

    def connect(client=None):
        sio = Socket(app, client or app.test_client())
        assert sio.is_connected(NAMESPACE)
        made.append(sio)
        return sio

    yield connect
    for sio in made:
        if sio.is_connected(NAMESPACE):
            sio.disconnect(namespace=NAMESPACE)


def call(sio, event, data):
    return sio.emit(event, data, namespace=NAMESPACE, callback=True)


def received(sio, name="thread_event"):
    return [m["args"][0] for m in sio.get_received(NAMESPACE) if m["name"] == name]
