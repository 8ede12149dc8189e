"""``survey …`` commands. Thin: parse, call a service, print."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from .models.people import ROLES


def main() -> None:
    """Console script ``survey``: Flask's CLI bound to our app factory (``survey db upgrade``, …)."""
    from . import create_app

    cli = FlaskGroup(create_app=create_app, help="Minsheng (民声) survey platform.")
    cli.main(prog_name="survey")


@click.group("seed", help="Load reference and demo data.")
def seed_group() -> None:
    pass


@seed_group.command("demo", help="Load the demo city, departments, indicators and scales (idempotent).")
@with_appcontext
def seed_demo() -> None:
    from .services.demo import demo_logins, load_demo

    def show(done: int, total: int, message: str = "") -> None:
        click.echo(f"  [{done}/{total}] {message}")

    counts = load_demo(progress=show)
    click.echo(json.dumps(counts, ensure_ascii=False))
    click.echo("demo logins (also in instance/demo_logins.json):")
    for username, password in demo_logins().items():
        click.echo(f"  {username:<14} {password}")


@click.group("users", help="Manage user accounts.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create a user; the password is asked for (never put it on the command line).")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--department", "department_code", help="department code (required for the department role)")
@click.option("--name", "display_name", default="", help="display name")
@click.password_option("--password", prompt="Password", help="read from the prompt or SURVEY_USER_PASSWORD",
                       envvar="SURVEY_USER_PASSWORD")
@with_appcontext
def users_create(username: str, role: str, department_code: str | None, display_name: str, password: str) -> None:
    from .services import accounts

    user = _or_fail(lambda: accounts.create_user(username, password=password, role=role, display_name=display_name,
                                                 department_code=department_code))
    click.echo(f"created {user.username} ({user.role})")


@users_group.command("set-password", help="Set a user's password; ends their open sessions.")
@click.argument("username")
@click.password_option("--password", prompt="New password", envvar="SURVEY_USER_PASSWORD")
@with_appcontext
def users_set_password(username: str, password: str) -> None:
    from .services import accounts

    _or_fail(lambda: accounts.set_password(accounts.find_user(username), password))
    click.echo(f"password set for {username}")


def _or_fail(action):
    from .errors import DomainError
    from .extensions import db

    try:
        return action()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_group)
    app.cli.add_command(users_group)
