"""A second step before an irreversible staff action (closing a vote, adopting the plan, cancelling an event).

The action's form posts as before; the view asks ``confirmation_page(...)`` first. Without
``confirmed=1`` in the post, nothing happens yet: the staff member gets a page that says what
will happen, with a button that re-posts the same fields plus ``confirmed=1`` (and a fresh
CSRF token) and a link back. It is plain HTML, so it works without JavaScript, and a script
can never skip it: the server decides.
"""
from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirmed"
_NOT_RESENT = {CONFIRM_FIELD, "csrf_token"}


def is_confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "1"


def confirmation_page(*, title: str, explanation: str | list[str], button: str, cancel_url: str,
                      details: list[tuple[str, str]] | None = None):
    """None once the post carries ``confirmed=1``; otherwise the confirmation page to return (200).

    ``explanation`` says what will happen and what cannot be undone; ``details`` are
    (label, value) pairs naming what is acted on.
    """
    if is_confirmed():
        return None
    fields = [(key, value) for key, values in request.form.lists() if key not in _NOT_RESENT for value in values]
    paragraphs = [explanation] if isinstance(explanation, str) else list(explanation)
    return render_template("confirm.html", title=title, paragraphs=paragraphs, button=button,
                           cancel_url=cancel_url, details=details or [], fields=fields,
                           action=request.full_path.rstrip("?"), confirm_field=CONFIRM_FIELD)
