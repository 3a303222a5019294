"""``flask voting …``: tally, import and export pabulib files."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

voting_cli = AppGroup("voting", help="Vote rounds and pabulib files.")


@voting_cli.command("tally-pabulib")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", type=click.Choice(["greedy", "mes", "mes-greedy"]), default="greedy", show_default=True)
def tally_pabulib(path: str, rule: str):
    """Print the selected project ids of a .pb file as a JSON list."""
    from app.voting.rules import RULES, parse_pabulib

    election = parse_pabulib(Path(path))
    click.echo(json.dumps(RULES[rule].select(election.collapsed())))


@voting_cli.command("import-pabulib")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--title", default=None, help="Round title (default: the file's description).")
def import_command(path: str, title: str | None):
    """Create a closed round with the file's projects and ballots; prints its id."""
    from app.errors import ServiceError
    from app.voting.pabulib_io import import_pabulib

    try:
        round_ = import_pabulib(Path(path).read_text(encoding="utf-8-sig"), actor=None, title=title)
    except ServiceError as error:
        raise click.ClickException(error.message)
    click.echo(round_.id)


@voting_cli.command("export-pabulib")
@click.argument("round_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="File (default: stdout).")
def export_command(round_id: int, output: str | None):
    """Write a round's anonymized ballots as a .pb file."""
    from app.errors import ServiceError
    from app.extensions import db
    from app.voting.models import VoteRound
    from app.voting.pabulib_io import export_pabulib

    round_ = db.session.get(VoteRound, round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    try:
        text = export_pabulib(round_)
    except ServiceError as error:
        raise click.ClickException(error.message)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def register(app: Flask) -> None:
    app.cli.add_command(voting_cli)
