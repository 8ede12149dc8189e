"""The database connection: SQLite pragmas, foreign keys, and the rolled-back test transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from survey.models import Department, Indicator


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_long_busy_timeout(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 15000


def test_a_row_pointing_at_a_missing_department_is_refused(db):
    db.session.add(Indicator(code="orphan", name_zh="孤儿", name_en="Orphan", department_id=999_999))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_services_commit_inside_the_test_transaction(db):
    db.session.add(Department(code="tmp_dept", name_zh="临时", name_en="Temporary"))
    db.session.commit()  # releases a savepoint only: the fixture rolls the whole test back
    assert db.session.scalar(select(Department.code).where(Department.code == "tmp_dept")) == "tmp_dept"


def test_nothing_leaks_from_one_test_into_the_next(db):
    # Runs after the test above (file order): its committed department must be gone.
    assert db.session.scalar(select(Department).where(Department.code == "tmp_dept")) is None
