"""Sample allocation across strata and sample sizes (DOMAIN.md, "Allocation and sample size").

Pure: numbers in, numbers out. Shares are computed with exact fractions so that "largest
remainder, ties to the lower stratum index" is decided exactly, not by floating-point noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from scipy.stats import norm

from ..errors import ValidationError
from ..i18n import N_

METHODS = ("proportional", "equal", "neyman", "power")


def _fail(message: str, field: str, **params) -> ValidationError:
    """A validation error whose message is a translatable template filled from ``params``."""
    return ValidationError(message, details=[{"field": field, "message": message % params if params else message}],
                           params=params)


def _shares(sizes: list[int], method: str, sd: Sequence[float] | None, power: float) -> list[Fraction]:
    if method == "proportional":
        return [Fraction(n) for n in sizes]
    if method == "equal":
        return [Fraction(1) for _ in sizes]
    if method == "neyman":
        if sd is None:
            raise _fail("Neyman allocation needs a standard deviation per stratum (sd)", "sd")
        return [Fraction(n) * Fraction(s) for n, s in zip(sizes, sd, strict=True)]
    if method == "power":
        if not 0 <= power <= 1:
            raise _fail(f"the power must be between 0 and 1, not {power}", "power")
        spread = sd if sd is not None else [1.0] * len(sizes)
        return [Fraction(float(n) ** power if n else 0.0) * Fraction(s) for n, s in zip(sizes, spread, strict=True)]
    raise _fail(f"unknown allocation method {method!r}; use one of {', '.join(METHODS)}", "method")


def allocate(
    population_sizes: Sequence[int],
    n: int,
    method: str = "proportional",
    *,
    sd: Sequence[float] | None = None,
    power: float = 1.0,
    base: int = 0,
    min_n: int = 0,
    max_n: int | None = None,
) -> list[int]:
    """Split ``n`` over strata of sizes ``population_sizes``.

    ``base`` units go to every stratum first; the rest follow ``method``. Every n_h lies within
    [max(min_n, base), max_n] and never exceeds N_h; what a bound takes or leaves is redistributed
    over the other strata by their shares. Integers by largest remainder, ties to the lower index.
    """
    sizes = [int(s) for s in population_sizes]
    H = len(sizes)
    if H == 0:
        raise _fail("there are no strata to allocate to", "strata")
    if any(s < 0 for s in sizes):
        raise _fail("a stratum cannot have a negative population", "population_sizes")
    if n < 0 or int(n) != n:
        raise _fail(f"the sample size must be a whole number ≥ 0, not {n}", "n")
    if sd is not None:
        if len(sd) != H:
            raise _fail(f"{len(sd)} standard deviations given for {H} strata", "sd")
        if any(not math.isfinite(s) or s < 0 for s in sd):
            raise _fail("standard deviations must be finite and ≥ 0", "sd")
    if base < 0 or min_n < 0:
        raise _fail("base and min_n must be ≥ 0", "base")
    if max_n is not None and max_n < max(base, min_n):
        raise _fail(f"max_n ({max_n}) is below the base or minimum per stratum ({max(base, min_n)})", "max_n")
    total = sum(sizes)
    if n > total:
        raise _fail(N_("cannot draw %(n)s from a population of %(total)s"), "n", n=n, total=total)
    if base * H > n:
        raise _fail(N_("a base of %(base)s in each of %(strata)s strata needs %(need)s, more than the %(n)s wanted"),
                    "base", base=base, strata=H, need=base * H, n=n)

    shares = _shares(sizes, method, sd, power)
    fixed_base = [min(base, s) for s in sizes]
    lower = [min(max(base, min_n), s) for s in sizes]
    upper = [s if max_n is None else min(max_n, s) for s in sizes]
    if sum(lower) > n:
        raise _fail(N_("the minimum per stratum needs %(need)s, more than the %(n)s wanted"), "min_n",
                    need=sum(lower), n=n)
    if sum(upper) < n:
        raise _fail(N_("the strata can take at most %(most)s (their maximum and population), less than the %(n)s "
                       "wanted"), "n", most=sum(upper), n=n)

    targets = _bounded_targets(n, shares, fixed_base, lower, upper)
    return _largest_remainder(targets, n)


def _bounded_targets(n: int, shares: list[Fraction], base: list[int], lower: list[int],
                     upper: list[int]) -> list[Fraction]:
    """Exact targets t_h = clip(base_h + λ·share_h, lower_h, upper_h) with Σ t_h = n.

    Σ t_h grows with λ piece by piece, so λ is found exactly between two breakpoints (where a stratum
    reaches its floor or its cap). Fixing strata at their bounds one round after another — the first
    version — could fix a cap that a later floor makes too low and overshoot n. Strata without a share
    stay at their floor, unless the others cannot take the rest: then the rest is spread evenly on them.
    """
    H = len(shares)
    if sum(shares, Fraction(0)) == 0:
        shares = [Fraction(1)] * H
    positive = [h for h in range(H) if shares[h] > 0]
    reach = sum((Fraction(upper[h]) for h in positive), Fraction(0)) + \
        sum((Fraction(lower[h]) for h in range(H) if shares[h] == 0), Fraction(0))
    if reach < n:  # the strata with a share are full: the rest goes evenly to those without one
        shares = [Fraction(0) if h in positive else Fraction(1) for h in range(H)]
        base = [upper[h] if h in positive else base[h] for h in range(H)]
        lower = [upper[h] if h in positive else lower[h] for h in range(H)]

    def targets(lam: Fraction) -> list[Fraction]:
        return [min(max(base[h] + lam * shares[h], Fraction(lower[h])), Fraction(upper[h])) for h in range(H)]

    points = sorted({(Fraction(bound) - base[h]) / shares[h] for h in range(H) if shares[h] > 0
                     for bound in (lower[h], upper[h])})
    low = points[0]
    for high in points[1:]:
        if sum(targets(high), Fraction(0)) >= n:
            break
        low = high
    else:
        return targets(low)
    # Σ t_h is linear on [low, high]: solve for λ exactly.
    at_low, at_high = sum(targets(low), Fraction(0)), sum(targets(high), Fraction(0))
    lam = low if at_high == at_low else low + (high - low) * (n - at_low) / (at_high - at_low)
    return targets(lam)


def _largest_remainder(targets: list[Fraction], n: int) -> list[int]:
    floors = [math.floor(t) for t in targets]
    leftover = n - sum(floors)
    order = sorted(range(len(targets)), key=lambda h: (-(targets[h] - floors[h]), h))
    for h in order[:leftover]:
        floors[h] += 1
    return floors


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise _fail(f"the confidence level must be between 0 and 1, not {confidence}", "confidence")
    return float(norm.ppf(1 - (1 - confidence) / 2))


def _ceil(x: float) -> int:
    """Ceiling that ignores floating-point dust (384.00000000001 → 384)."""
    return math.ceil(x - 1e-9)


def sample_size(moe: float, *, p: float = 0.5, confidence: float = 0.95, population: int | None = None,
                deff: float = 1.0) -> int:
    """Completes needed for a margin of error ``moe`` on a proportion p.

    n0 = deff · z² · p(1−p) / moe², then ⌈n0 / (1 + n0/N)⌉ with a finite population N.
    """
    if not 0 < moe < 1:
        raise _fail(f"the margin of error must be between 0 and 1 (e.g. 0.035), not {moe}", "moe")
    if not 0 <= p <= 1:
        raise _fail(f"p must be between 0 and 1, not {p}", "p")
    if deff <= 0:
        raise _fail(f"the design effect must be positive, not {deff}", "deff")
    n0 = deff * z_value(confidence) ** 2 * p * (1 - p) / moe**2
    if population is None:
        return _ceil(n0)
    if population <= 0:
        raise _fail(f"the population must be positive, not {population}", "population")
    return min(population, _ceil(n0 / (1 + n0 / population)))


def precision_allocation(population_sizes: Sequence[int], moe: float, *, p: float = 0.5,
                         confidence: float = 0.95, deff: float = 1.0) -> list[int]:
    """Per-stratum sizes giving each stratum the margin ``moe`` on its own."""
    return [sample_size(moe, p=p, confidence=confidence, population=int(N), deff=deff) if N else 0
            for N in population_sizes]


def margin_of_error(n: int, *, p: float = 0.5, confidence: float = 0.95, population: int | None = None,
                    deff: float = 1.0) -> float | None:
    """Expected half-width of the CI for a proportion from n completes (with the fpc when N is known)."""
    if n <= 0:
        return None
    fpc = 1.0 if not population else max(0.0, 1 - n / population)
    return z_value(confidence) * math.sqrt(deff * p * (1 - p) / n * fpc)


def issued_size(completes: int, completion_rate: float) -> int:
    """Numbers to issue so that ``completes`` are expected at ``completion_rate`` (completes per number)."""
    if completes < 0:
        raise _fail(f"completes must be ≥ 0, not {completes}", "completes")
    if not 0 < completion_rate <= 1:
        raise _fail(f"the expected completion rate must be in (0, 1], not {completion_rate}", "completion_rate")
    return _ceil(completes / completion_rate)


def split_replicates(total: int, replicate_size: int) -> list[int]:
    """Sizes of the release replicates: ``replicate_size`` each, the last one smaller."""
    if replicate_size <= 0:
        raise _fail(f"the replicate size must be positive, not {replicate_size}", "replicate_size")
    if total < 0:
        raise _fail(f"the total must be ≥ 0, not {total}", "total")
    full, rest = divmod(total, replicate_size)
    return [replicate_size] * full + ([rest] if rest else [])
