"""The zh_CN catalog: complete, compiled, and found (Flask-Babel looks under zh_Hans_CN)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parent.parent / "survey" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and (not _translated(m.string) or m.fuzzy)]
    assert untranslated == []


def _plain(value):
    """Plural messages come as lists or tuples depending on the reader."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _translated(string) -> bool:
    return all(string) if isinstance(string, list | tuple) else bool(string)


def test_the_compiled_catalog_matches_the_source():
    with open(CATALOG / "messages.po", "rb") as fh:
        source = {_plain(m.id): _plain(m.string) for m in read_po(fh) if m.id}
    with open(CATALOG / "messages.mo", "rb") as fh:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(fh) if m.id}
    assert compiled == source, "run `make translations` (pybabel compile) and commit the .mo"


def test_zh_cn_resolves_to_the_zh_hans_cn_catalog(app):
    from flask_babel import gettext

    with app.test_request_context():
        assert gettext("Log in") == "登录"
