"""Marking text for translation where no request (and so no locale) exists yet.

Services describe problems in English with ``N_("…")``: the marker only lets ``pybabel extract``
find the text. The web layer translates it for the person reading (``gettext(message)``), while the
CLI and the logs keep the English.
"""


def N_(message: str) -> str:  # the conventional name of the no-op gettext marker
    return message
