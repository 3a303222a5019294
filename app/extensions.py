"""Unbound extensions; create_app() binds them to an application."""
import functools
import logging

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def person_or_address() -> str:
    """Whom a rate limit counts: the logged-in person, else the client address.

    Per person wherever someone is logged in: at a town hall every phone on the venue's Wi-Fi
    shares one address, and a limit per address would refuse the room after its first few people.
    """
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


limiter = Limiter(key_func=person_or_address)


@functools.lru_cache(maxsize=64)
def _parsed_limit(limit: str):
    from limits import parse

    return parse(limit)


def hit_personal_limit(scope: str, limit: str, user_id: int) -> bool:
    """Count one request of this person against ``limit`` (e.g. "30 per minute"); False once over it.

    Per person, not per client address, for what only a logged-in person can do: at a town hall
    hundreds of phones share the venue's one address. If the counters' store cannot be reached
    the request goes through: these limits curb floods, and the database's own rules still hold.
    """
    return under_limit(scope, limit, user_id, hit=True)


def under_limit(scope: str, limit: str, who: object, *, hit: bool = False) -> bool:
    """Whether ``who`` (an address, an account) is still under ``limit`` in ``scope``; with ``hit``,
    count one more first. As :func:`hit_personal_limit`, an unreachable store lets everything through."""
    if not limiter.enabled:
        return True
    keys = [limiter._key_prefix, scope, str(who)]  # the prefix keeps deployments sharing a Redis apart
    try:
        counter = limiter.limiter.hit if hit else limiter.limiter.test
        return counter(_parsed_limit(limit), *[key for key in keys if key])
    except Exception:
        logging.getLogger(__name__).warning("rate-limit storage unreachable; letting %s through", scope,
                                            exc_info=True)
        return True
socketio = SocketIO()
