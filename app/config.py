"""Configuration from environment variables, with embedded defaults.

With nothing set, the app runs on a SQLite file in ``instance/``, runs
Celery tasks in-process, keeps rate-limit counters in memory and serves
Socket.IO from one process. Setting ``DATABASE_URL`` and ``REDIS_URL``
switches to the production topology (PostgreSQL, Redis broker, Redis
message queue and Redis rate-limit storage).
"""
import os
import secrets
from datetime import datetime
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _moment(value: str | None) -> datetime | None:
    """An ISO 8601 moment; one without a zone is read as UTC."""
    return datetime.fromisoformat(value) if value else None


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "hyeopchi.sqlite3")
    # Accept the common short forms and use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once per instance."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: str) -> dict:
    """Build the configuration mapping for create_app()."""
    redis_url = os.environ.get("REDIS_URL") or None
    broker = os.environ.get("CELERY_BROKER_URL") or redis_url
    secure_cookies = _bool("COOKIE_SECURE", False)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # No ping before every checkout (a round trip per request); connections are recycled hourly and
        # a dead one (the database restarted) fails its request once and empties the pool.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": _bool("DB_POOL_PRE_PING", False),
                                      "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE_SECONDS", "3600"))},
        "REDIS_URL": redis_url,
        "PLAN_EXPORT_DIR": os.environ.get("PLAN_EXPORT_DIR") or None,  # None: instance/exports
        "CELERY": {
            "broker_url": broker or "memory://",
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND") or (redis_url or None),
            # No broker configured: run tasks in-process, right after the commit.
            "task_always_eager": broker is None,
            "task_eager_propagates": True,
            "task_ignore_result": True,
            "task_default_queue": os.environ.get("CELERY_QUEUE", "celery"),
            "broker_connection_retry_on_startup": True,
            "beat_schedule": {
                "refresh-vote-rounds": {"task": "app.voting.refresh_rounds", "schedule": 60.0},
                "notification-digests": {"task": "app.notifications.send_digests", "schedule": 86400.0},
                "close-unsupported-agenda": {"task": "app.agenda.close_unsupported", "schedule": 86400.0},
                "close-online-forums": {"task": "app.forums.close_due_forums", "schedule": 300.0},
                # Each reminder goes out once per registration, however often this runs.
                "event-reminders": {"task": "app.events.send_reminders", "schedule": 300.0},
                "event-guest-data-purge": {"task": "app.events.purge_guest_data", "schedule": 86400.0},
            },
        },
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or redis_url,
        # Python's GIL switch interval for served processes (CPython's default is 5 ms). Measured with
        # bench/fanout.py: 1,000 sockets in one room, p99 431 ms at 5 ms and 229 ms at 50 ms -- a
        # broadcast hands one message to a thousand writer threads, and at 5 ms they preempt it.
        "SWITCH_INTERVAL_MS": float(os.environ.get("SWITCH_INTERVAL_MS", "50")),
        # Processes of one deployment share a channel; separate deployments on one Redis need their own.
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL", "flask-socketio"),
        # Realtime discussion (app/forums): posting limits and moderation.
        "FORUM_POST_RATE_LIMIT": os.environ.get("FORUM_POST_RATE_LIMIT", "10 per minute"),
        "FORUM_REPORT_THRESHOLD": int(os.environ.get("FORUM_REPORT_THRESHOLD", "3")),
        "FORUM_SLOW_MODE_DEFAULT": int(os.environ.get("FORUM_SLOW_MODE_DEFAULT", "0")),
        "FORUM_BLOCKED_WORDS_FILE": os.environ.get("FORUM_BLOCKED_WORDS_FILE") or None,
        "FORUM_MAX_POST_CHARS": int(os.environ.get("FORUM_MAX_POST_CHARS", "5000")),
        "FORUM_EDIT_MINUTES": int(os.environ.get("FORUM_EDIT_MINUTES", "15")),
        "FORUM_SOCKET_EVENTS_PER_10S": int(os.environ.get("FORUM_SOCKET_EVENTS_PER_10S", "40")),
        # Every process re-checks its sockets' logins and joined rooms this often (app.socket_auth); 0: never.
        "SOCKET_REAUTH_SECONDS": int(os.environ.get("SOCKET_REAUTH_SECONDS", "30")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "LANGUAGES": ["ko", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "no-reply@hyeopchi.local"),
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:5000"),
        # Browser tests and rehearsals: the site's clock starts at this UTC moment (ISO 8601) and runs on.
        "CLOCK_START": _moment(os.environ.get("CLOCK_START")),
        "DISTRICT_NAME": os.environ.get("DISTRICT_NAME", "성북구"),
        "DISTRICT_DONGS": os.environ.get("DISTRICT_DONGS") or None,
        "PRIVACY_NOTICE_VERSION": os.environ.get("PRIVACY_NOTICE_VERSION", "2026-11"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "30 per minute"),
        # Staff and admins must sign in with a second factor (TOTP). Off for the embedded demo, whose
        # accounts stay one login away; production sets REQUIRE_STAFF_2FA=1.
        "REQUIRE_STAFF_2FA": _bool("REQUIRE_STAFF_2FA", False),
        "TWO_FACTOR_RATE_LIMIT": os.environ.get("TWO_FACTOR_RATE_LIMIT", "10 per minute"),
        "VOTE_RATE_LIMIT": os.environ.get("VOTE_RATE_LIMIT", "30 per minute"),
        # Ballots are re-written in shuffled batches of at least this many (services.mix_ballots).
        "VOTE_MIX_BATCH": int(os.environ.get("VOTE_MIX_BATCH", "10")),
        # While a round is open, live results are re-counted only after this many more ballots (services.shown_result).
        "LIVE_RESULTS_BATCH": int(os.environ.get("LIVE_RESULTS_BATCH", "10")),
        # Check-in (and so attendance, which vote eligibility at an event reads) opens this long before the start.
        "CHECK_IN_OPENS_MINUTES_BEFORE": int(os.environ.get("CHECK_IN_OPENS_MINUTES_BEFORE", "60")),
        "EVENT_REGISTER_RATE_LIMIT": os.environ.get("EVENT_REGISTER_RATE_LIMIT", "30 per minute"),
        # Guests' names, contacts and answers are erased this many days after their event.
        "EVENT_GUEST_DATA_RETENTION_DAYS": int(os.environ.get("EVENT_GUEST_DATA_RETENTION_DAYS", "30")),
        "TOKEN_MAX_AGE_SECONDS": int(os.environ.get("TOKEN_MAX_AGE_SECONDS", str(60 * 60 * 24))),
    }
