"""Entry point for Celery processes: ``celery -A app.celery_app worker`` (and ``beat``)."""
from celery.signals import worker_process_init

from app import create_app
from app.extensions import db

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_connections(**kwargs):
    # A forked worker must not share the parent's database connections.
    with flask_app.app_context():
        db.engine.dispose(close=False)
