"""Celery wired to the app factory; tasks are enqueued only after commit.

With no broker configured the tasks run in-process (``task_always_eager``),
so the embedded default needs no Redis and no worker.
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask, current_app, has_app_context

from app.extensions import db
from app.utils import on_commit


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks run inside a Flask app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            # A task run in-process (eager) belongs to the app that enqueued it;
            # a fresh app context gives it its own database session either way.
            owner = current_app._get_current_object() if has_app_context() else app
            with owner.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def defer(task, *args) -> None:
    """Enqueue ``task`` with ``args`` (ids, never ORM objects) once the transaction commits."""
    on_commit(db.session(), lambda: task.delay(*args))
