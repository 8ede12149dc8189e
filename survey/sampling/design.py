"""A round's sampling design turned into per-stratum numbers (pure).

Given the frame's stratum populations, a design says how many completes each stratum should
yield (``target``), how many numbers that needs at the expected completion rate (``issued``),
and how many to draw (``selected``: issued plus reserve replicates, released only if needed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from ..i18n import N_
from .allocation import allocate, issued_size, margin_of_error, precision_allocation, z_value
from .frame_rows import STRATUM_VARIABLES

DESIGN_METHODS = ("proportional", "equal", "neyman", "power", "precision")


OTHER_STRATA = "*"  # in a completion-rate mapping: the rate of every stratum not named


def _fail(message: str, field_name: str) -> ValidationError:
    return ValidationError(message, details=[{"field": field_name, "message": message}])


@dataclass(frozen=True)
class Design:
    strata: tuple[str, ...] = ("region",)
    method: str = "proportional"
    target: int = 0  # completes wanted (all methods but "precision")
    moe: float | None = None  # margin of error per stratum ("precision")
    power: float = 0.5
    prior_p: Mapping[str, float] = field(default_factory=dict)  # by region code: satisfaction share last round
    base: int = 0
    min_n: int = 0
    max_n: int | None = None
    # Completes expected per number issued: one rate, or rates by stratum key ("*": every stratum not listed).
    completion_rate: float | Mapping[str, float] = 0.3
    replicates: int = 4  # the issued numbers are released in this many replicates
    reserve_replicates: int = 1  # drawn but held back, released when a stratum runs short
    exclude_recent_rounds: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Design:
        """Check a design posted by a coordinator; every problem names its field."""
        problems: list[dict[str, Any]] = []

        def problem(name: str, template: str, **params: Any) -> None:
            # The English text for logs and the CLI; template and values for the reader's language.
            problems.append({"field": name, "message": template % params if params else template,
                             "template": template, "params": params})

        def number(name: str, kind: type, low: float, high: float | None = None, default: Any = None) -> Any:
            raw = data.get(name, default)
            if raw in (None, ""):
                return default
            try:
                value = kind(raw)
                if kind is int and float(raw) != value:
                    raise ValueError
            except (TypeError, ValueError):
                problem(name, N_("must be a whole number") if kind is int else N_("must be a number"))
                return default
            if value < low or (high is not None and value > high):
                upper = "∞" if high is None else high
                problem(name, N_("must be between %(low)s and %(high)s"), low=low, high=upper)
                return default
            return value

        strata = data.get("strata") or ["region"]
        if isinstance(strata, str):
            strata = [s for s in strata.split(",") if s]
        bad = [s for s in strata if s not in STRATUM_VARIABLES]
        if bad or len(set(strata)) != len(strata):
            problem("strata", N_("choose among %(choices)s, each once"), choices=", ".join(STRATUM_VARIABLES))
        method = data.get("method") or "proportional"
        if method not in DESIGN_METHODS:
            problem("method", N_("one of %(choices)s"), choices=", ".join(DESIGN_METHODS))
        rate = data.get("completion_rate", 0.3)
        if isinstance(rate, Mapping):
            rates = {}
            for key, value in rate.items():
                name = "completion_rate" if key == OTHER_STRATA else f"completion_rate.{key}"
                try:
                    rates[str(key)] = float(value)
                    if not 0 < rates[str(key)] <= 1:
                        raise ValueError
                except (TypeError, ValueError):
                    problem(name, N_("must be a rate between 0 and 1 (completes per number)"))
            rate = rates
        else:
            rate = number("completion_rate", float, 0.001, 1.0, default=0.3)
        prior = data.get("prior_p") or {}
        if not isinstance(prior, Mapping) or any(not isinstance(v, int | float) or not 0 <= v <= 1
                                                 for v in prior.values()):
            problem("prior_p", N_("a share between 0 and 1 per region"))
            prior = {}
        design = cls(
            strata=tuple(strata), method=method,
            target=number("target", int, 0, 10_000_000, default=0),
            moe=number("moe", float, 0.001, 0.5, default=None),
            power=number("power", float, 0, 1, default=0.5),
            prior_p=dict(prior),
            base=number("base", int, 0, 1_000_000, default=0),
            min_n=number("min_n", int, 0, 1_000_000, default=0),
            max_n=number("max_n", int, 1, 10_000_000, default=None),
            completion_rate=rate,
            replicates=number("replicates", int, 1, 100, default=4),
            reserve_replicates=number("reserve_replicates", int, 0, 100, default=1),
            exclude_recent_rounds=number("exclude_recent_rounds", int, 0, 50, default=0),
        )
        named = {p["field"] for p in problems}  # a value refused above is not also reported missing
        if method == "precision" and design.moe is None and "moe" not in named:
            problem("moe", N_("the precision method needs a margin of error"))
        if method != "precision" and not design.target and "target" not in named:
            problem("target", N_("a target number of completes is needed"))
        if problems:
            raise ValidationError("the design is not usable: " + "; ".join(f"{p['field']}: {p['message']}"
                                                                             for p in problems), details=problems)
        return design

    def to_dict(self) -> dict[str, Any]:
        return {"strata": list(self.strata), "method": self.method, "target": self.target, "moe": self.moe,
                "power": self.power, "prior_p": dict(self.prior_p), "base": self.base, "min_n": self.min_n,
                "max_n": self.max_n, "completion_rate": self.completion_rate if isinstance(self.completion_rate, float)
                else dict(self.completion_rate), "replicates": self.replicates,
                "reserve_replicates": self.reserve_replicates, "exclude_recent_rounds": self.exclude_recent_rounds}

    def rate_for(self, key: str) -> float:
        if isinstance(self.completion_rate, Mapping):
            rate = self.completion_rate.get(key, self.completion_rate.get(OTHER_STRATA))
            if rate is None:
                raise _fail(f"no expected completion rate for stratum {key}", f"completion_rate.{key}")
            return rate
        return float(self.completion_rate)

    def rate_overrides(self) -> dict[str, float]:
        """The strata given a rate of their own (by key)."""
        if not isinstance(self.completion_rate, Mapping):
            return {}
        return {k: v for k, v in self.completion_rate.items() if k != OTHER_STRATA}


@dataclass(frozen=True)
class StratumPlan:
    key: str
    label: dict[str, Any]
    population: int
    target: int
    issued: int
    replicate_size: int
    selected: int
    moe: float | None  # expected ± at p = 0.5 from `target` completes
    rate: float = 0.0  # expected completes per number issued


@dataclass(frozen=True)
class Plan:
    strata: list[StratumPlan]
    moe: float | None  # overall, stratified SRS at p = 0.5
    warnings: list[tuple[str, dict[str, Any]]]  # (message template, its values); "stratum" is a stratum key

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(s, k) for s in self.strata) for k in ("population", "target", "issued", "selected")}


def plan(design: Design, keys: Sequence[str], labels: Sequence[dict[str, Any]], populations: Sequence[int]) -> Plan:
    """Per-stratum targets, issued and selected numbers for a design over the given strata."""
    if not keys:
        raise _fail("the frame has no units with values for the chosen strata", "strata")
    unknown = sorted(set(design.rate_overrides()) - set(keys))
    if unknown:
        raise ValidationError(f"no stratum {', '.join(unknown)} in this design",
                              details=[{"field": f"completion_rate.{k}", "message": "no such stratum in this design",
                                        "template": N_("no such stratum in this design"), "params": {}}
                                       for k in unknown])
    warnings: list[tuple[str, dict[str, Any]]] = []
    if design.method == "precision":
        targets = precision_allocation(populations, design.moe)
    else:
        sd = None
        if design.method in ("neyman", "power"):
            sd = [math.sqrt(p * (1 - p)) for p in
                  (design.prior_p.get(str(label.get("region")), 0.5) for label in labels)]
        targets = allocate(populations, design.target, design.method if design.method != "power" else "power",
                           sd=sd, power=design.power, base=design.base, min_n=design.min_n, max_n=design.max_n)
    strata = []
    for key, label, N, n in zip(keys, labels, populations, targets, strict=True):
        rate = design.rate_for(key)
        issued = issued_size(n, rate)
        if issued > N:
            warnings.append((N_("%(stratum)s: %(needed)s numbers would be needed for %(n)s completes, but the frame "
                                "has %(N)s"), {"stratum": key, "needed": issued, "n": n, "N": N}))
            issued = N
        size = max(1, math.ceil(issued / design.replicates)) if issued else 1
        selected = min(N, issued + design.reserve_replicates * size)
        strata.append(StratumPlan(key, dict(label), int(N), int(n), int(issued), int(size), int(selected),
                                  margin_of_error(n, population=N), rate))
    return Plan(strata, overall_moe(populations, targets), warnings)


def overall_moe(populations: Sequence[int], completes: Sequence[int], p: float = 0.5,
                confidence: float = 0.95) -> float | None:
    """± for a city-wide proportion under stratified SRS: z·√(Σ W_h² p(1−p)/n_h · (1 − n_h/N_h))."""
    total = sum(populations)
    if not total or any(n <= 0 for n, N in zip(completes, populations, strict=True) if N):
        return None
    variance = sum((N / total) ** 2 * p * (1 - p) / n * (1 - n / N)
                   for N, n in zip(populations, completes, strict=True) if N)
    return z_value(confidence) * math.sqrt(variance)
