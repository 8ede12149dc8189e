"""Marking text for translation where no request (and so no locale) exists yet.

Services describe problems in English with ``N_("…")``: the marker only lets ``pybabel extract``
find the text. The web layer translates it for the person reading (``gettext(message)``), while the
CLI and the logs keep the English.
"""


def N_(message: str) -> str:  # the conventional name of the no-op gettext marker
    return message


class Templated:
    """A message kept as a translatable ``template`` with its ``params`` (checks, version changes)."""

    template: str
    params: dict

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    def localised(self, gettext) -> str:
        text = gettext(self.template)
        return text % self.params if self.params else text
