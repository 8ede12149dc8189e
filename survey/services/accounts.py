"""Accounts: create, authenticate (with throttling), change role, password, language, disable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InvalidState, NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import LOCALES, ROLES, Department, LoginFailure, User
from ..models.types import utcnow
from ..passwords import password_problems
from . import audit

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
_dummy_hashes: dict[str, str] = {}

PASSWORD_MESSAGES = {
    "too_short": N_("at least 10 characters"),
    "too_long": N_("at most 128 characters"),
    "too_common": N_("too common: choose one that is not on lists of popular passwords"),
    "too_repetitive": N_("uses too few different characters"),
    "contains_username": N_("must not contain the user name"),
}


class LoginThrottled(InvalidState):
    status_code = 429


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    reason: str = ""  # "" on success; else "invalid" | "disabled"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _dummy_hash() -> str:
    """Checked when the user name is unknown, so that case costs as much time as a wrong password."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def check_password_policy(password: str, username: str = "", field: str = "password") -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise ValidationError("the password is not acceptable: " + "; ".join(PASSWORD_MESSAGES[p] for p in problems),
                              details=[{"field": field, "message": PASSWORD_MESSAGES[p]} for p in problems])


def _validate_role(role: str, department_code: str | None) -> Department | None:
    if role not in ROLES:
        raise ValidationError(f"unknown role {role!r}",
                              details=[{"field": "role", "message": N_("unknown role")}])
    if role == "department":
        if not department_code:
            raise ValidationError("a department liaison needs a department",
                                  details=[{"field": "department", "message": N_("required for the department role")}])
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise ValidationError(f"unknown department {department_code!r}",
                                  details=[{"field": "department", "message": N_("unknown department")}])
        return department
    return None


def create_user(username: str, *, password: str, role: str, display_name: str = "", department_code: str | None = None,
                locale: str = "zh_CN", by: User | None = None, commit: bool = True) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationError("the user name must be 1–64 characters without spaces",
                              details=[{"field": "username", "message": N_("1–64 characters, no spaces")}])
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValidationError(f"the user name {username!r} is taken",
                              details=[{"field": "username", "message": N_("already taken")}])
    department = _validate_role(role, department_code)
    check_password_policy(password, username)
    user = User(username=username, display_name=(display_name.strip() or username)[:100], role=role,
                department=department, password_hash=hash_password(password),
                locale=locale if locale in LOCALES else "zh_CN")
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=by, target=user, role=role, department=department_code)
    if commit:
        db.session.commit()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


def set_password(user: User, password: str, *, by: User | None = None) -> None:
    check_password_policy(password, user.username)
    user.password_hash = hash_password(password)
    user.auth_version += 1
    audit.record("user.password_set", actor=by, target=user)
    db.session.commit()


def update_user(user: User, *, role: str, department_code: str | None, display_name: str, active: bool,
                by: User) -> User:
    """Re-role, rename, enable or disable; an admin cannot demote or disable themselves (no lock-out)."""
    if user.id == by.id and (role != user.role or not active):
        raise InvalidState(N_("You cannot change your own role or disable your own account."))
    department = _validate_role(role, department_code)
    changes = {}
    if role != user.role or department != user.department:
        changes["role"] = [user.role, role]
        changes["department"] = [user.department.code if user.department else None, department_code]
        user.role, user.department = role, department
    if active != user.active:
        changes["active"] = [user.active, active]
        user.active = active
        user.auth_version += 1  # disabling ends every open session of that user
    if display_name.strip() and display_name.strip() != user.display_name:
        user.display_name = display_name.strip()[:100]
    if changes:
        audit.record("user.role_changed" if "role" in changes else "user.updated", actor=by, target=user, **changes)
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise ValidationError(f"unknown language {locale!r}", details=[{"field": "lang", "message": N_("zh_CN or en")}])
    user.locale = locale
    db.session.commit()


def authenticate(username: str, password: str, *, ip: str) -> LoginResult:
    """Check a login; throttles by user name and by address; records the outcome in the audit trail.

    Raises :class:`LoginThrottled` (with ``retry_after`` seconds) while too many recent attempts failed.
    """
    username = username.strip()[:64]
    since = utcnow() - THROTTLE_WINDOW
    recent = db.session.execute(
        select(func.count().filter(func.lower(LoginFailure.username) == username.lower()),
               func.count().filter(LoginFailure.ip == ip), func.min(LoginFailure.at))
        .where(LoginFailure.at >= since, or_(func.lower(LoginFailure.username) == username.lower(),
                                             LoginFailure.ip == ip))
    ).one()
    by_name, by_ip, oldest = recent
    if by_name >= MAX_FAILURES_PER_USERNAME or by_ip >= MAX_FAILURES_PER_IP:
        retry_after = int((oldest + THROTTLE_WINDOW - utcnow()).total_seconds()) + 1 if oldest else 60
        audit.record("login.throttled", actor=username, ip=ip)
        db.session.commit()
        raise LoginThrottled("too many failed attempts; try again later", retry_after=max(retry_after, 1))

    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid:
        db.session.add(LoginFailure(username=username, ip=ip))
        audit.record("login.failed", actor=user or username, ip=ip)
        db.session.commit()
        return LoginResult(None, "invalid")
    if not user.active:
        audit.record("login.refused_disabled", actor=user, ip=ip)
        db.session.commit()
        return LoginResult(None, "disabled")
    db.session.execute(delete(LoginFailure).where(func.lower(LoginFailure.username) == username.lower()))
    user.last_login_at = utcnow()
    audit.record("login", actor=user, ip=ip)
    db.session.commit()
    return LoginResult(user)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: ``"<id>.<auth_version>"``; a stale version means a logged-out session."""
    try:
        user_id, version = (int(part) for part in session_id.split("."))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.auth_version != version:
        return None
    return user
