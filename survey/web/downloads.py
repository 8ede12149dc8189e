"""Files the browser saves: reports, exports, attachments."""

from __future__ import annotations

from flask import Response


def download(data: bytes, mimetype: str, name: str) -> Response:
    """A file to save, under a name that may be Chinese (RFC 5987), never sniffed into something else."""
    from urllib.parse import quote

    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff"})
