"""Guards on what arrives from outside: integers the database can hold, JSON of sane depth, redirect targets
that stay on this site.

Every id and stored number is an SQLAlchemy ``Integer`` (PostgreSQL's 4-byte ``integer``); a bigger one
in a path, a query or a JSON body can name nothing here, but reaching the database it overflows (SQLite)
or breaks the statement (PostgreSQL). These guards turn such input into a 4xx before that.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from app.errors import ServiceError

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


def in_int_range(value: int) -> bool:
    """Whether ``value`` fits the database's integer columns."""
    return INT_MIN <= value <= INT_MAX


class IntOutOfRange(ServiceError):
    """A number in the address or the form that no record here can have."""

    def __init__(self):
        super().__init__(_("주소나 입력값의 숫자가 너무 큽니다. 숫자를 확인해 주세요."))


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` that matches only what an id column can hold, so a longer number is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=INT_MIN if min is None else min,
                         max=INT_MAX if max is None else max, signed=signed)


def _database_int(value) -> int:
    number = int(value)  # a ValueError makes werkzeug return the default, as for any non-number
    if not in_int_range(number):
        raise IntOutOfRange()
    return number


class _Parameters(ImmutableMultiDict):
    """Query and form values whose ``get(..., type=int)`` refuses numbers beyond the database's range."""

    def get(self, key, default=None, type=None):  # noqa: A002
        return super().get(key, default, _database_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, _database_int if type is int else type)


class SafeRequest(Request):
    parameter_storage_class = _Parameters


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body nested too deep to parse is bad input (a 400), not a crash."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (the home page): no open redirect.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so ``/\\t/evil``
    or ``/\\evil`` would leave the site: any control character, space or backslash refuses the target.
    """
    if (isinstance(target, str) and target.startswith("/") and not target.startswith("//")
            and not any(ch <= " " or ch in "\\\x7f" for ch in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return fallback if fallback is not None else url_for("main.index")


def install(app: Flask) -> None:
    """Put the guards in place; before any blueprint, so every ``<int:...>`` rule uses the bounded one."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.request_class = SafeRequest
    app.json = JSONProvider(app)
