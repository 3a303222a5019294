"""Command-line tasks: ``flask seed-demo``, ``flask create-admin``."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo district (once; a second run changes nothing)."""
        from app.demo import seed_demo

        if seed_demo():
            click.echo("demo data loaded")
        else:
            click.echo("demo data already present; nothing changed")

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str):
        """Create a verified admin account (for a fresh production install)."""
        from app.auth.models import SiteRole, User
        from app.auth.services import check_password_strength, hash_password, normalize_email
        from app.errors import ServiceError
        from app.extensions import db
        from app.utils import now

        try:
            check_password_strength(password)
        except ServiceError as error:
            raise click.ClickException(error.message)
        user = User(email=normalize_email(email), display_name=name, password_hash=hash_password(password),
                    role=SiteRole.ADMIN, email_verified_at=now())
        db.session.add(user)
        db.session.commit()
        click.echo(f"admin {user.email} created (id {user.id})")

    @app.cli.command("reset-two-factor")
    @click.argument("email")
    def reset_two_factor(email: str):
        """Turn off an account's two-step sign-in (a lost phone and no recovery codes left)."""
        from app.auth import two_factor
        from app.auth.services import find_by_email

        user = find_by_email(email)
        if user is None or user.is_deleted:
            raise click.ClickException(f"no account {email}")
        if two_factor.reset(user):
            click.echo(f"two-step sign-in of {user.email} turned off; they enrol again")
        else:
            click.echo(f"{user.email} does not use two-step sign-in; nothing changed")
