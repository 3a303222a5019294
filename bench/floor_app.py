"""A second yardstick for bench/cast.py: the fixed stack's floor for a logged-in, CSRF-checked write.

Flask, a signed session cookie, Flask-Login (its loader reads the user by primary key and checks the
session token, as the platform's does), Flask-WTF's CSRF check, and one ORM insert: what every
logged-in form post costs on the stack the project has chosen, before any voting work. bench/cast.py
reports it next to the bare insert, so the ballot path's own cost can be told from the stack's.
"""
import sys
import tempfile

from flask import Flask, request
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf

from app.config import load_config

settings = load_config(tempfile.mkdtemp(prefix="bench-floor-"))
if settings.get("SWITCH_INTERVAL_MS"):
    sys.setswitchinterval(settings["SWITCH_INTERVAL_MS"] / 1000)

app = Flask(__name__)
app.config.update(SECRET_KEY=settings["SECRET_KEY"], SQLALCHEMY_DATABASE_URI=settings["SQLALCHEMY_DATABASE_URI"],
                  SQLALCHEMY_ENGINE_OPTIONS=settings["SQLALCHEMY_ENGINE_OPTIONS"])
db = SQLAlchemy(app)
CSRFProtect(app)
login_manager = LoginManager(app)


class FloorUser(UserMixin, db.Model):
    __tablename__ = "user"  # the platform's own accounts, seeded by bench/cast.py
    id = db.Column(db.Integer, primary_key=True)
    session_token = db.Column(db.String(32))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class BareRow(db.Model):
    __tablename__ = "bench_bare"
    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.String(64))


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _sep, token = session_id.partition(":")
    user = db.session.get(FloorUser, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.session_token == token else None


@app.get("/login/<int:user_id>")
def log_in(user_id: int):
    """Untimed set-up: log this account in and hand back the session's CSRF token."""
    login_user(db.get_or_404(FloorUser, user_id))
    return generate_csrf()


@app.post("/insert")
@login_required
def insert():
    db.session.add(BareRow(value=request.form.get("value", "")))
    db.session.commit()
    return "ok", 201
