"""The password policy (pure). Length and a blocklist, as NIST SP 800-63B advises — no composition rules."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON = frozenset({
    "password", "password1", "password123", "passw0rd", "12345678", "123456789", "1234567890", "qwerty",
    "qwertyuiop", "1q2w3e4r", "1qaz2wsx", "abc123", "abcd1234", "iloveyou", "admin123", "administrator",
    "welcome1", "letmein", "11111111", "00000000", "88888888", "66666666", "woaini1314", "5201314",
    "a123456789", "zxcvbnm", "changeme", "minsheng", "minsheng123",
})


def password_problems(password: str, *, username: str = "") -> list[str]:
    """Everything wrong with ``password``, as message ids (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    lowered = password.lower()
    if lowered in COMMON or lowered.rstrip("!.0123456789") in COMMON:
        problems.append("too_common")
    if len(set(password)) <= 2:
        problems.append("too_repetitive")
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append("contains_username")
    return problems
