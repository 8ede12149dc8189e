"""One OS process of simulated callers (run by test_claims.py): each thread logs in and takes the next
case, records it as an invalid number (a final outcome), and repeats until nothing is left. Prints one
JSON line per claimed case: {"caller": name, "case": id}."""

from __future__ import annotations

import http.cookiejar
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def work(base: str, round_id: int, username: str, password: str, out: list, lock: threading.Lock) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def post(path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            response = opener.open(urllib.request.Request(base + path, data=body, method="POST"), timeout=60)
            return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", "")

    status, _ = post("/login", {"username": username, "password": password})
    assert status == 302, f"login failed for {username}: {status}"
    while True:
        status, location = post("/calls/next", {"round_id": round_id})
        assert status == 302, f"{username}: /calls/next answered {status}"
        if "/calls/case/" not in location:
            return  # nothing left to call
        case_id = int(location.rstrip("/").rsplit("/", 1)[1])
        with lock:
            out.append({"caller": username, "case": case_id})
        status, _ = post(f"/calls/case/{case_id}/outcome", {"outcome": "invalid"})
        assert status == 302, status


def main() -> None:
    base, round_id, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    names = sys.argv[4:]
    out: list = []
    lock = threading.Lock()
    failures: list[str] = []

    def run(name: str) -> None:
        try:
            work(base, round_id, name, password, out, lock)
        except BaseException as exc:  # report, and fail the process
            failures.append(f"{name}: {exc!r}")

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for row in out:
        print(json.dumps(row))
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
