"""The baseline for bench/cast.py: a bare Flask + SQLAlchemy endpoint that inserts one row."""
import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
app.config["SQLALCHEMY_DATABASE_URI"] = url
db = SQLAlchemy(app)


class BareRow(db.Model):
    __tablename__ = "bench_bare"
    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.String(64))


with app.app_context():
    db.create_all()


@app.post("/insert")
def insert():
    db.session.add(BareRow(value=request.form.get("value", "")))
    db.session.commit()
    return "ok", 201
