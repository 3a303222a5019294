"""One permission layer for pages, templates, the API and socket events.

A permission is a small named predicate ``(user, obj) -> bool``; predicates
compose with ``&``, ``|`` and ``~``. Features register the permissions
they need by name and check them with :func:`can` or :func:`require`.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import abort
from flask_login import current_user

Check = Callable[[Any, Any], bool]


class Predicate:
    """A named yes/no question about a user and (optionally) an object."""

    def __init__(self, check: Check, name: str):
        self.check = check
        self.name = name

    def __call__(self, user: Any, obj: Any = None) -> bool:
        return bool(self.check(user, obj))

    def __and__(self, other: "Predicate") -> "Predicate":
        return Predicate(lambda u, o: self(u, o) and other(u, o), f"({self.name} & {other.name})")

    def __or__(self, other: "Predicate") -> "Predicate":
        return Predicate(lambda u, o: self(u, o) or other(u, o), f"({self.name} | {other.name})")

    def __invert__(self) -> "Predicate":
        return Predicate(lambda u, o: not self(u, o), f"~{self.name}")

    def __repr__(self) -> str:
        return f"<Predicate {self.name}>"


def predicate(fn: Check) -> Predicate:
    """Decorator: turn a ``(user, obj) -> bool`` function into a composable predicate."""
    return Predicate(fn, fn.__name__)


@predicate
def is_authenticated(user, obj=None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


@predicate
def is_verified(user, obj=None) -> bool:
    return is_authenticated(user) and user.is_verified


@predicate
def is_staff(user, obj=None) -> bool:
    return is_authenticated(user) and user.is_staff


@predicate
def is_admin(user, obj=None) -> bool:
    return is_authenticated(user) and user.is_admin


REGISTRY: dict[str, Predicate] = {}


def register(name: str, rule: Predicate) -> Predicate:
    """Name a permission so views, templates and sockets can ask for it."""
    REGISTRY[name] = rule
    return rule


def can(name: str, obj: Any = None, user: Any = None) -> bool:
    """Whether ``user`` (default: the current user) holds permission ``name`` on ``obj``."""
    rule = REGISTRY[name]
    return rule(current_user if user is None else user, obj)


def require(name: str, obj: Any = None) -> None:
    """Abort with 401 (not logged in) or 403 unless the current user holds ``name`` on ``obj``."""
    if can(name, obj):
        return
    if not is_authenticated(current_user):
        abort(401)
    abort(403)


register("site.staff", is_staff)
register("site.admin", is_admin)
register("audit.view", is_staff)
register("outbox.view", is_staff)
register("user.manage", is_staff)
register("user.change_role", is_admin)
