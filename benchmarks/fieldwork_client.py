"""Simulated callers for ``benchmarks/fieldwork.py`` (one OS process, one thread per caller).

Each caller logs in, then until the deadline works as the pages do: claims the next case and opens
it; a third of the time opens the interview and submits it complete, otherwise records "no answer";
then opens their own page again; sleeping ``think`` seconds between actions. Prints one JSON object:
latencies in ms per request kind.
"""

from __future__ import annotations

import http.cookiejar
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def caller(base, round_id, name, password, think, deadline, answers, latencies, errors, lock, seed):
    rng = random.Random(seed)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def request(kind, path, data=None, json_body=None, method="POST"):
        if json_body is not None:
            body, headers = json.dumps(json_body).encode(), {"Content-Type": "application/json"}
        else:
            body, headers = (urllib.parse.urlencode(data or {}).encode() if method == "POST" else None), {}
        started = time.perf_counter()
        try:
            response = opener.open(urllib.request.Request(base + path, data=body, headers=headers, method=method),
                                   timeout=60)
            status, location = response.status, response.headers.get("Location", "")
            response.read()
        except urllib.error.HTTPError as exc:
            status, location = exc.code, exc.headers.get("Location", "")
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.setdefault(kind, []).append(elapsed)
            if status >= 400:
                errors.append(f"{kind} {status}")
        return status, location

    request("login", "/login", {"username": name, "password": password})
    while time.monotonic() < deadline:
        time.sleep(think * rng.uniform(0.5, 1.5) if think else 0)
        _, location = request("claim", "/calls/next", {"round_id": round_id})
        if "/calls/case/" not in location:
            time.sleep(0.5)
            continue
        case_id = location.rstrip("/").rsplit("/", 1)[1]
        request("case page", f"/calls/case/{case_id}", method="GET")
        time.sleep(think * rng.uniform(0.5, 1.5) if think else 0)
        if rng.random() < 1 / 3:
            request("interview page", f"/calls/case/{case_id}/interview", method="GET")
            time.sleep(think * rng.uniform(0.5, 1.5) if think else 0)
            request("submit", f"/calls/case/{case_id}/interview",
                    json_body={"idempotency_key": f"{name}-{case_id}-{rng.getrandbits(64):x}", "answers": answers})
        else:
            request("outcome", f"/calls/case/{case_id}/outcome", {"outcome": "no_answer"})
        request("caller page", "/calls/", method="GET")


def main() -> None:
    base, round_id, password, think, seconds, answers_path = sys.argv[1:7]
    names = sys.argv[7:]
    with open(answers_path, encoding="utf-8") as fh:
        answers = json.load(fh)
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + float(seconds)
    threads = [threading.Thread(target=caller, args=(base, int(round_id), name, password, float(think), deadline,
                                                     answers, latencies, errors, lock, i))
               for i, name in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"latencies": latencies, "errors": errors}))


if __name__ == "__main__":
    main()
