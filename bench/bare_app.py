"""The baseline for bench/cast.py: a bare Flask + SQLAlchemy endpoint that inserts one row.

It runs with the platform's own process settings (database pool options, GIL switch interval), so
that the two servers differ only in what a request does.
"""
import sys
import tempfile

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

from app.config import load_config

settings = load_config(tempfile.mkdtemp(prefix="bench-bare-"))
if settings.get("SWITCH_INTERVAL_MS"):
    sys.setswitchinterval(settings["SWITCH_INTERVAL_MS"] / 1000)

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = settings["SQLALCHEMY_DATABASE_URI"]
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = settings["SQLALCHEMY_ENGINE_OPTIONS"]
db = SQLAlchemy(app)


class BareRow(db.Model):
    __tablename__ = "bench_bare"  # bench/cast.py creates it before the workers start
    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.String(64))


@app.post("/insert")
def insert():
    db.session.add(BareRow(value=request.form.get("value", "")))
    db.session.commit()
    return "ok", 201
