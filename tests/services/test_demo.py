"""The demo city loads completely, and loading it again changes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from survey.models import ROLES, Department, Indicator, Region, Scale, User
from survey.services import accounts
from survey.services.demo import demo_logins, load_demo

DOMAIN_UNITS = {  # ../shared/DOMAIN.md, "Demo city"
    "城中区": (800_000, 0.90), "城南区": (1_050_000, 0.66), "河东市": (1_310_000, 0.55),
    "汶阳市": (970_000, 0.55), "清平县": (670_000, 0.51), "湖西县": (670_000, 0.48),
}


def test_demo_city_has_the_six_units_with_their_census_figures(db):
    load_demo()
    city = db.session.scalar(select(Region).where(Region.level == "city"))
    units = {r.name_zh: (r.population, r.urban_share) for r in city.children}
    assert units == DOMAIN_UNITS
    assert city.population == sum(p for p, _ in DOMAIN_UNITS.values()) == 5_470_000
    assert [r.name_zh for r in city.children] == list(DOMAIN_UNITS)  # kept in the brief's order


def test_twelve_default_indicators_each_with_a_responsible_department(db):
    load_demo()
    indicators = db.session.scalars(select(Indicator).order_by(Indicator.position)).all()
    assert [i.name_zh for i in indicators][:3] == ["社会治安", "医疗卫生", "中小学教育"]
    assert len(indicators) == 12
    assert all(i.department is not None and i.weight == 1.0 for i in indicators)


def test_default_five_point_scale_scores_and_dont_know(db):
    load_demo()
    scale = db.session.scalar(select(Scale).where(Scale.code == "five_point"))
    assert [(o.label_zh, o.score, o.counts_as_satisfied) for o in scale.options] == [
        ("满意", 100, True), ("比较满意", 80, True), ("一般", 60, False),
        ("不太满意", 40, False), ("不满意", 0, False), ("不了解", None, False),
    ]
    dont_know = scale.options[-1]
    assert dont_know.is_dont_know and not dont_know.read_aloud
    shandong = db.session.scalar(select(Scale).where(Scale.code == "three_point_shandong"))
    assert [o.score for o in shandong.options] == [100, 75, 55, None]


def test_loading_twice_changes_nothing(db):
    first = load_demo()
    counts = {m: db.session.scalar(select(func.count()).select_from(m)) for m in (Region, Department, Indicator)}
    second = load_demo()
    assert all(set(kind) == {"unchanged"} for kind in second.values()), second
    assert sum(sum(k.values()) for k in first.values()) == sum(sum(k.values()) for k in second.values())
    assert counts == {m: db.session.scalar(select(func.count()).select_from(m)) for m in counts}


def test_loading_again_puts_back_edited_seed_values_and_keeps_other_rows(db):
    load_demo()
    unit = db.session.scalar(select(Region).where(Region.code == "huxi"))
    unit.population = 1
    db.session.add(Department(code="own_dept", name_zh="自建部门", name_en="Own"))
    db.session.commit()
    result = load_demo()
    assert result["regions"]["updated"] == 1
    assert db.session.scalar(select(Region.population).where(Region.code == "huxi")) == 670_000
    assert db.session.scalar(select(Department).where(Department.code == "own_dept")) is not None


def test_progress_is_reported_step_by_step_to_the_end(db):
    steps = []
    load_demo(progress=lambda done, total, message="": steps.append((done, total)))
    assert steps[0] == (0, 6) and steps[-1] == (6, 6)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_cli_seed_demo_loads_the_city(app, db):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "[6/6] done" in result.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 7


def test_one_demo_user_per_role_with_installation_passwords(app, db):
    load_demo()
    users = db.session.scalars(select(User)).all()
    assert sorted(u.role for u in users) == sorted(ROLES)
    logins = demo_logins()
    assert set(logins) == {u.username for u in users}
    for user in users:
        assert accounts.password_matches(user, logins[user.username])
    liaison = next(u for u in users if u.role == "department")
    assert liaison.department.code == "housing"
    path = Path(app.instance_path) / "demo_logins.json"
    assert path.stat().st_mode & 0o077 == 0


def test_reloading_the_demo_restores_a_changed_demo_password(db):
    load_demo()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    accounts.set_password(admin, "an entirely different one")
    load_demo()
    assert accounts.password_matches(admin, demo_logins()["admin"])


def test_demo_passwords_are_not_in_the_repository():
    seeds = (Path(__file__).resolve().parents[2] / "seeds" / "demo_city.json").read_text()
    assert "password" not in seeds
