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


@click.group("frame", help="Sampling frames: import a file, or generate a synthetic one.")
def frame_group() -> None:
    pass


@frame_group.command("import", help="Import a CSV/XLSX file into a frame (created if new). All or nothing unless "
                                    "--allow-partial.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--frame", "frame_name", required=True, help="frame name")
@click.option("--map", "mapping_items", multiple=True, metavar="FIELD=COLUMN",
              help="column for a field (phone, region, urban, sex, age, age_band); guessed from headings if absent")
@click.option("--allow-partial", is_flag=True, help="import the good rows and report the bad ones")
@click.option("--errors-out", type=click.Path(dir_okay=False), help="write the error report (CSV) here")
@with_appcontext
def frame_import(file: str, frame_name: str, mapping_items: tuple[str, ...], allow_partial: bool,
                 errors_out: str | None) -> None:
    from .sampling.frame_rows import guess_mapping
    from .services import frames
    from .services.frame_files import open_frame_file

    source = _or_fail(lambda: open_frame_file(file))
    mapping = guess_mapping(source.header)
    for item in mapping_items:
        field, _, column = item.partition("=")
        mapping[field.strip()] = column.strip()
    click.echo(f"columns: {', '.join(f'{k}={v}' for k, v in mapping.items())}")
    frame = _or_fail(lambda: frames.find_or_create_frame(frame_name))
    bar = _progress_printer("import")
    record = frames.import_file(frame.id, file, mapping, allow_partial=allow_partial, progress=bar)
    click.echo(f"{record.status}: {record.message}")
    if record.errors:
        for error in record.errors[:20]:
            click.echo(f"  row {error.get('row', '-')}, {error.get('column', error.get('field', ''))} "
                       f"{error.get('value', '')!r}: {error.get('reason', error.get('message', ''))}")
        if errors_out:
            with open(errors_out, "w", encoding="utf-8", newline="") as fh:
                fh.write(frames.error_report_csv(record))
            click.echo(f"error report: {errors_out}")
    if record.status != "done":
        raise SystemExit(1)


@frame_group.command("generate", help="A synthetic frame of the demo city (Faker zh_CN), deterministic for a seed.")
@click.option("--people", type=click.IntRange(1, 20_000_000), required=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="write a CSV instead of importing it")
@click.option("--frame", "frame_name", help="frame to import into (default: synthetic-SEED-PEOPLE)")
@with_appcontext
def frame_generate(people: int, seed: int, out: str | None, frame_name: str | None) -> None:
    import tempfile

    from .services import frames
    from .services.synthetic import write_synthetic_csv

    if out:
        write_synthetic_csv(out, people=people, seed=seed)
        click.echo(f"wrote {people} rows to {out}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/synthetic.csv"
        write_synthetic_csv(path, people=people, seed=seed)
        frame = _or_fail(lambda: frames.find_or_create_frame(frame_name or f"synthetic-{seed}-{people}",
                                                             source="synthetic"))
        mapping = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}
        record = frames.import_file(frame.id, path, mapping, progress=_progress_printer("import"))
    click.echo(f"{record.status}: {record.message} into frame {frame.name!r}")
    if record.status != "done":
        raise SystemExit(1)


@click.group("round", help="Survey rounds.")
def round_group() -> None:
    pass


@round_group.command("create", help="Create a round over a frame with a design given as JSON.")
@click.argument("name")
@click.option("--frame", "frame_name", required=True)
@click.option("--design", "design_json", required=True, help='e.g. {"strata": ["region"], "target": 5200, "base": 500}')
@with_appcontext
def round_create(name: str, frame_name: str, design_json: str) -> None:
    from sqlalchemy import select

    from .extensions import db
    from .models import Frame
    from .services import rounds

    try:
        design = json.loads(design_json)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--design is not valid JSON: {exc}") from exc
    frame = db.session.scalar(select(Frame).where(Frame.name == frame_name))
    if frame is None:
        raise click.ClickException(f"no frame named {frame_name!r}")
    round_ = _or_fail(lambda: rounds.create_round(name, frame.id, design))
    click.echo(f"created round {round_.id} {round_.name!r}")


@click.group("sample", help="Draw a round's sample.")
def sample_group() -> None:
    pass


@sample_group.command("draw", help="Draw the sample of ROUND (name or id) now, with a seed.")
@click.argument("round_ref")
@click.option("--seed", type=int, required=True)
@with_appcontext
def sample_draw(round_ref: str, seed: int) -> None:
    from sqlalchemy import select

    from .extensions import db
    from .models import Round
    from .services import rounds

    round_ = db.session.scalar(select(Round).where(Round.name == round_ref))
    if round_ is None and round_ref.isdigit():
        round_ = db.session.get(Round, int(round_ref))
    if round_ is None:
        raise click.ClickException(f"no round {round_ref!r}")
    if round_.status not in ("draft", "sampling"):
        raise click.ClickException(f"round {round_.name!r} is {round_.status}: its sample is drawn already")
    round_ = _or_fail(lambda: rounds.draw(round_.id, seed=seed, progress=_progress_printer("draw")))
    for s in rounds.summary(round_):
        click.echo(f"  {s.display:<30} N={s.population:>9,} n={s.target:>6,} issued={s.issued:>6,} "
                   f"drawn={s.selected:>6,} released={s.released:>6,}")


def _progress_printer(label: str):
    last = [-1]

    def show(done: int, total: int, message: str = "") -> None:
        percent = int(100 * done / total) if total else 100
        if percent // 10 != last[0] // 10:
            last[0] = percent
            click.echo(f"  {label}: {percent:3d}% {message}")

    return show


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_group)
    app.cli.add_command(users_group)
    app.cli.add_command(frame_group)
    app.cli.add_command(round_group)
    app.cli.add_command(sample_group)
