"""A round's call rules: calling windows (Asia/Shanghai), attempts, retry delays, claim expiry (pure).

Defaults follow DOMAIN.md ("Fieldwork"): up to 4 attempts per number, no answer retried after ~3 h,
a soft refusal after a week, appointments honoured. Decision: the default windows are 09:00–12:00 and
14:00–21:00 — the span city surveys use in practice (the evening 18:00–21:00 alone is the typical
*peak*); a coordinator narrows them per round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import ValidationError
from ..i18n import N_

LOCAL = ZoneInfo("Asia/Shanghai")
DEFAULT_WINDOWS = (("09:00", "12:00"), ("14:00", "21:00"))
# Minutes before the number is tried again, per outcome that allows another attempt.
DEFAULT_DELAYS = {"no_answer": 180, "busy": 30, "phone_off": 240, "soft_refusal": 7 * 24 * 60}


def _fail(field_name: str, template: str, **params: Any) -> ValidationError:
    return ValidationError(template, params=params,
                           details=[{"field": field_name, "message": template % params if params else template}])


def _clock(text: str, field_name: str) -> time:
    if str(text).strip() == "24:00":
        return time.max  # the end of the day
    try:
        hours, minutes = (int(part) for part in str(text).strip().split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError) as exc:
        raise _fail(field_name, N_("not a time of day (HH:MM): %(value)s"), value=str(text)[:20]) from exc


@dataclass(frozen=True)
class CallRules:
    windows: tuple[tuple[str, str], ...] = DEFAULT_WINDOWS
    max_attempts: int = 4
    delays: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DELAYS))
    claim_minutes: int = 20  # a claim left idle this long returns the case to the pool
    refusal_conversion: bool = True  # a first (soft) refusal is tried once more after delays["soft_refusal"]

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CallRules:
        data = dict(data or {})
        windows = tuple((str(a), str(b)) for a, b in data.get("windows", DEFAULT_WINDOWS))
        if not windows:
            raise _fail("windows", N_("a round needs at least one calling window"))
        for i, (start, end) in enumerate(windows):
            if _clock(start, f"windows[{i}]") >= _clock(end, f"windows[{i}]"):
                raise _fail(f"windows[{i}]", N_("a calling window must end after it starts: %(start)s–%(end)s"),
                            start=start, end=end)
        try:
            max_attempts = int(data.get("max_attempts", 4))
            claim_minutes = int(data.get("claim_minutes", 20))
            delays = {**DEFAULT_DELAYS, **{k: int(v) for k, v in (data.get("delays") or {}).items()}}
        except (TypeError, ValueError) as exc:
            raise _fail("call_rules", N_("call rules need whole numbers of attempts and minutes")) from exc
        if not 1 <= max_attempts <= 20:
            raise _fail("max_attempts", N_("attempts per number must be between 1 and 20"))
        if not 1 <= claim_minutes <= 240:
            raise _fail("claim_minutes", N_("a claim must expire after 1 to 240 minutes"))
        unknown = set(delays) - set(DEFAULT_DELAYS)
        if unknown:
            raise _fail("delays", N_("unknown retry delay(s): %(names)s"), names=", ".join(sorted(unknown)))
        if any(v < 0 for v in delays.values()):
            raise _fail("delays", N_("a retry delay cannot be negative"))
        return cls(windows, max_attempts, delays, claim_minutes, bool(data.get("refusal_conversion", True)))

    def to_dict(self) -> dict[str, Any]:
        return {"windows": [list(w) for w in self.windows], "max_attempts": self.max_attempts,
                "delays": dict(self.delays), "claim_minutes": self.claim_minutes,
                "refusal_conversion": self.refusal_conversion}

    def in_window(self, now: datetime) -> bool:
        local = now.astimezone(LOCAL).time()
        return any(_clock(a, "") <= local < _clock(b, "") for a, b in self.windows)

    def next_opening(self, now: datetime) -> datetime:
        """The next moment (UTC) a window opens, or ``now`` when one is open."""
        if self.in_window(now):
            return now
        local = now.astimezone(LOCAL)
        for days in range(0, 2):
            day = (local + timedelta(days=days)).date()
            for start, _ in sorted(self.windows):
                opening = datetime.combine(day, _clock(start, ""), tzinfo=LOCAL)
                if opening > local:
                    return opening.astimezone(UTC)
        raise AssertionError("a window opens within a day")  # windows are non-empty and within a day

    def delay(self, name: str) -> timedelta:
        return timedelta(minutes=self.delays[name])
