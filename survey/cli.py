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
    from .services import rounds

    round_ = _round(round_ref)
    if round_.status not in ("draft", "sampling"):
        raise click.ClickException(f"round {round_.name!r} is {round_.status}: its sample is drawn already")
    round_ = _or_fail(lambda: rounds.draw(round_.id, seed=seed, progress=_progress_printer("draw")))
    for s in rounds.summary(round_):
        click.echo(f"  {s.display:<30} N={s.population:>9,} n={s.target:>6,} issued={s.issued:>6,} "
                   f"drawn={s.selected:>6,} released={s.released:>6,}")


def _round(round_ref: str):
    from sqlalchemy import select

    from .extensions import db
    from .models import Round

    round_ = db.session.scalar(select(Round).where(Round.name == round_ref))
    if round_ is None and round_ref.isdigit():
        round_ = db.session.get(Round, int(round_ref))
    if round_ is None:
        raise click.ClickException(f"no round {round_ref!r}")
    return round_


@click.group("simulate", help="Rehearse a round on the synthetic population, through the real pipeline.")
def simulate_group() -> None:
    pass


@simulate_group.command("round", help="Simulate ROUND's fieldwork (name or id; sampled or fielding): cases, calls, "
                                       "interviews processed by RQ workers, issues, verification, report.")
@click.argument("round_ref")
@click.option("--callers", type=int, default=30, show_default=True)
@click.option("--falsifiers", type=int, default=0, show_default=True, help="callers who fake interviews")
@click.option("--falsifier-kind", type=click.Choice(["subtle", "blatant"]), default="subtle", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--wave", type=int, default=None, help="the population's round (drift); default: from the copy chain")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="simulated first day of fieldwork (default: early enough for the follow-up to be over by now)")
@click.option("--follow-up/--no-follow-up", default=True, show_default=True,
              help="simulated staff work the issues and verification tasks")
@click.option("--report/--no-report", default=True, show_default=True, help="close the round and build its report")
@click.option("--workers", "worker_count", type=int, default=2, show_default=True,
              help="RQ workers to start for the run when none is listening")
@with_appcontext
def simulate_round(round_ref: str, callers: int, falsifiers: int, falsifier_kind: str, seed: int, wave: int | None,
                   start, follow_up: bool, report: bool, worker_count: int) -> None:
    import time
    from datetime import UTC

    from workers.pool import workers_for_the_run

    from .extensions import writing
    from .services import simulation

    round_ = _round(round_ref)
    settings = _or_fail(lambda: simulation.Settings(
        callers=callers, falsifiers=falsifiers, falsifier_kind=falsifier_kind, seed=seed, wave=wave,
        start=start.replace(tzinfo=UTC) if start else None, follow_up=follow_up, report=report))
    started = time.perf_counter()
    with workers_for_the_run(worker_count) as started_workers:
        if started_workers:
            click.echo(f"  started {started_workers} RQ workers for this run (none was listening)")
        with writing():
            outcome = _or_fail(lambda: simulation.simulate_round(round_.id, settings,
                                                                 progress=_progress_printer("simulation")))
    click.echo(f"simulated round {round_.name!r} in {time.perf_counter() - started:.1f} s")
    for name, seconds in outcome.stages.items():
        click.echo(f"  {name:<12} {seconds:8.2f} s")
    for name, n in outcome.counts.items():
        click.echo(f"  {name:<20} {n:>8,}")
    if outcome.falsifiers:
        click.echo(f"  falsifiers: {', '.join(outcome.falsifiers)}")


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
    app.cli.add_command(simulate_group)
