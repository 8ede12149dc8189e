"""``survey …`` commands. Thin: parse, call a service, print."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


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
    from .services.demo import load_demo

    def show(done: int, total: int, message: str = "") -> None:
        click.echo(f"  [{done}/{total}] {message}")

    counts = load_demo(progress=show)
    click.echo(json.dumps(counts, ensure_ascii=False))


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_group)
