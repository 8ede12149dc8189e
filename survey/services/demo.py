"""Load the demo city: units with census figures, departments, the default indicators and scales.

Idempotent: rows are matched by their code; a second load changes nothing, and a load after an
edit puts the seed's values back. Rows that are not in the seed (a coordinator's own) are kept.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..errors import ValidationError
from ..extensions import db
from ..models import Department, Indicator, Region, Scale, ScaleOption, User
from ..passwords import password_problems
from . import accounts, issues, questionnaires

Progress = Callable[[int, int, str], None]
SEED_FILE = "demo_city.json"
QUESTIONNAIRE_FILE = "demo_questionnaire.json"
LOGINS_FILE = "demo_logins.json"  # in the instance folder: never committed


def read_seed(seeds_dir: str | Path | None = None) -> dict[str, Any]:
    path = Path(seeds_dir or current_app.config["SEEDS_DIR"]) / SEED_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(f"demo seed not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(f"demo seed {path} is not valid JSON: line {exc.lineno}: {exc.msg}") from exc


def load_demo(*, progress: Progress | None = None, seed: dict[str, Any] | None = None) -> dict[str, dict[str, int]]:
    """Upsert the demo reference data in one transaction; return counts per kind and outcome."""
    from_files = seed is None
    seed = seed if seed is not None else read_seed()
    report = progress or (lambda done, total, message="": None)
    counts: dict[str, Counter[str]] = {}
    steps = [
        ("departments", lambda: _upsert_departments(seed["departments"])),
        ("regions", lambda: _upsert_regions(seed["city"], seed["units"])),
        ("indicators", lambda: _upsert_indicators(seed["indicators"])),
        ("scales", lambda: _upsert_scales(seed["scales"])),
        ("users", lambda: _upsert_users(seed.get("users", []))),
        ("issue_rules", _install_issue_rules),
    ]
    for done, (name, step) in enumerate(steps):
        report(done, len(steps), name)
        counts[name] = step()
        db.session.flush()
    db.session.commit()
    if from_files:  # the default questionnaire, frozen, unless a version of it exists already
        path = Path(current_app.config["SEEDS_DIR"]) / QUESTIONNAIRE_FILE
        before = len(questionnaires.list_questionnaires())
        questionnaires.load_seed(path)
        counts["questionnaire"] = Counter({"created" if len(questionnaires.list_questionnaires()) > before
                                           else "unchanged": 1})
    report(len(steps), len(steps), "done")
    return {name: dict(c) for name, c in counts.items()}


def _install_issue_rules() -> Counter[str]:
    """The default keyword rules on first load; later loads leave the coordinators' edits alone."""
    created = issues.install_default_rules()
    return Counter({"created": created} if created else {"unchanged": len(issues.rules())})


def _by_code(model, codes: Iterable[str]) -> dict[str, Any]:
    rows = db.session.scalars(select(model).where(model.code.in_(list(codes))))
    return {row.code: row for row in rows}


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _upsert(model, records: list[dict[str, Any]], counts: Counter[str], **fixed: Any) -> dict[str, Any]:
    existing = _by_code(model, (r["code"] for r in records))
    for record in records:
        values = {**record, **fixed}
        row = existing.get(record["code"])
        if row is None:
            row = model(**values)
            db.session.add(row)
            existing[record["code"]] = row
            counts["created"] += 1
        else:
            counts["updated" if _apply(row, values) else "unchanged"] += 1
    return existing


def _upsert_departments(records: list[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    _upsert(Department, [{k: r[k] for k in ("code", "name_zh", "name_en")} for r in records], counts)
    return counts


def _upsert_regions(city: dict[str, Any], units: list[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    total = sum(u["population"] for u in units)
    urban = sum(u["population"] * u["urban_share"] for u in units)
    city_values = {**city, "population": total, "urban_share": round(urban / total, 4), "parent": None}
    city_row = _upsert(Region, [city_values], counts)[city["code"]]
    db.session.flush()
    _upsert(Region, [{**u, "position": i} for i, u in enumerate(units)], counts, parent_id=city_row.id)
    return counts


def _upsert_indicators(records: list[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    departments = _by_code(Department, (r["department"] for r in records))
    rows = []
    for position, r in enumerate(records):
        dept = departments.get(r["department"])
        if dept is None:
            raise ValidationError(f"indicator {r['code']}: unknown department {r['department']!r}",
                                  details=[{"row": position + 1, "field": "department",
                                            "message": f"unknown department {r['department']!r}"}])
        rows.append({"code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"],
                     "weight": float(r.get("weight", 1.0)), "department_id": dept.id, "position": position})
    _upsert(Indicator, rows, counts)
    return counts


def _upsert_scales(records: list[dict[str, Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    scales = _upsert(Scale, [{k: r[k] for k in ("code", "name_zh", "name_en")} for r in records], counts)
    db.session.flush()
    for r in records:
        scale = scales[r["code"]]
        options = {o.code: o for o in scale.options}
        for position, o in enumerate(r["options"]):
            values = {
                "position": position, "code": o["code"], "label_zh": o["label_zh"], "label_en": o["label_en"],
                "score": None if o.get("score") is None else float(o["score"]),
                "counts_as_satisfied": bool(o.get("counts_as_satisfied", False)),
                "is_dont_know": bool(o.get("is_dont_know", False)),
                "read_aloud": bool(o.get("read_aloud", True)),
            }
            row = options.get(o["code"])
            if row is None:
                scale.options.append(ScaleOption(**values))
                counts["created"] += 1
            else:
                counts["updated" if _apply(row, values) else "unchanged"] += 1
    return counts


def demo_logins(instance_path: str | Path | None = None, usernames: list[str] | None = None) -> dict[str, str]:
    """The demo users' passwords: random per installation, kept in ``instance/demo_logins.json`` (mode 600).

    Created on first use (written whole, then hard-linked, so concurrent first uses agree).
    """
    folder = Path(instance_path or current_app.instance_path)
    path = folder / LOGINS_FILE
    if usernames is None:
        usernames = [u["username"] for u in read_seed().get("users", [])]
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    missing = [name for name in usernames if name not in known]
    if missing:
        for name in missing:
            known[name] = _new_password()
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".demo_logins.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(known, fh, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return {name: known[name] for name in usernames}


def _new_password() -> str:
    while True:
        candidate = secrets.token_urlsafe(9)
        if not password_problems(candidate):
            return candidate


def _upsert_users(records: list[dict[str, Any]]) -> Counter[str]:
    """Demo users, one per role, with the installation's demo passwords (restored if changed)."""
    counts: Counter[str] = Counter()
    passwords = demo_logins(usernames=[r["username"] for r in records])
    for r in records:
        user = db.session.scalar(select(User).where(User.username == r["username"]))
        if user is None:
            accounts.create_user(r["username"], password=passwords[r["username"]], role=r["role"],
                                 display_name=r["display_name"], department_code=r.get("department"), commit=False)
            counts["created"] += 1
            continue
        department = db.session.scalar(select(Department).where(Department.code == r["department"])) \
            if r.get("department") else None
        changed = _apply(user, {"role": r["role"], "department": department, "display_name": r["display_name"],
                                "active": True})
        if not accounts.password_matches(user, passwords[r["username"]]):
            user.password_hash = accounts.hash_password(passwords[r["username"]])
            user.auth_version += 1
            changed = True
        counts["updated" if changed else "unchanged"] += 1
    return counts
