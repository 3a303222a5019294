"""The schema comes from migrations only: upgrading an empty database gives exactly the models."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db as _db
from tests.conftest import Database


def _diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, _db.metadata)


def test_migrated_database_matches_models_on_the_test_database(app, database):
    # The session's database was built by `flask db upgrade` from empty (see conftest).
    with app.app_context():
        assert _db.engine.dialect.name == database.kind
        assert _diff(_db.engine) == []


def test_sqlite_upgrade_from_empty_matches_models_and_downgrades_cleanly(app, tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.conftest import test_config

    sqlite_app = create_app(test_config(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"))
    with sqlite_app.app_context():
        upgrade()
        assert _diff(_db.engine) == []
        downgrade(revision="base")
        assert set(sa.inspect(_db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _diff(_db.engine) == []
        _db.engine.dispose()


def test_postgresql_upgrade_from_empty_matches_models(app, tmp_path):
    from tests.conftest import postgres_url

    if postgres_url() is None:
        pytest.skip("DATABASE_URL is not PostgreSQL (CI runs this on PostgreSQL)")
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import test_config

    fresh = Database(tmp_path, "schema")
    try:
        pg_app = create_app(test_config(fresh.url))
        with pg_app.app_context():
            assert _db.engine.dialect.name == "postgresql"
            upgrade()
            assert _diff(_db.engine) == []
            _db.engine.dispose()
    finally:
        fresh.drop()
