"""Design-based estimation for a stratified simple random sample (DOMAIN.md, "Estimation").

The design is R's ``svydesign(id=~1, strata=~h, weights=~w, fpc=~N)``; every estimate is
linearised and its variance is

    Var(θ̂) = Σ_h (1 − n_h/N_h) · n_h/(n_h − 1) · Σ_i (z_hi − z̄_h)²

with z the estimate's influence values. Domains keep every row in the variance (z = 0 outside),
as R's ``subset``/``svyby`` do. Weighting steps (post-stratification, raking) return a new design
that also remembers how to take residuals of z, as R's ``postStrata`` do, so the SEs agree with R.

Pure: NumPy and SciPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from ..errors import ValidationError
from ..i18n import N_
from . import domains
from .domains import MeanStatistics

CI_METHODS = ("wald", "logit", "wilson", "korn-graubard")
STATISTICS = ("mean", "total", "proportion")

# Takes influence values (n × k, computed with the design's final weights) and returns their
# residuals after a weighting step; applied in order before the stratum sums.
Residualiser = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Estimate:
    """One estimate with its standard error, confidence interval and design effect.

    ``n`` is the number of respondents who contributed (in the domain, with a value). ``lonely_strata``
    lists strata with a single respondent, whose variance term used R's ``lonely.psu = "adjust"``.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    deff: float
    n: int
    lonely_strata: tuple = ()

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2


def _fail(message: str, field_name: str, **params: Any) -> ValidationError:
    text = message % params if params else message
    return ValidationError(message, details=[{"field": field_name, "message": text}], params=params)


def as_vector(values: Any, n: int, name: str, *, dtype: Any = float) -> np.ndarray:
    """A 1-d array of length ``n``; a clear error otherwise."""
    array = np.asarray(values, dtype=dtype)
    if array.ndim != 1 or array.shape[0] != n:
        raise _fail(N_("%(name)s must have one value per respondent (%(n)s), not shape %(shape)s"), name,
                    name=name, n=n, shape=tuple(array.shape))
    return array


def check_binary(ys: np.ndarray) -> None:
    ok = ys[~np.isnan(ys)]
    if not np.all((ok == 0) | (ok == 1)):
        raise _fail(N_("a proportion needs values 0 or 1"), "y")


def quantile(level: float, df: float | None = None) -> float:
    """The two-sided quantile for ``level``: normal, or Student's t with ``df`` degrees of freedom."""
    if not 0 < level < 1:
        raise _fail(N_("the confidence level must be between 0 and 1, not %(level)s"), "level", level=level)
    upper = 1 - (1 - level) / 2
    if df is None or np.isinf(df):
        return float(sps.norm.ppf(upper))
    if df <= 0:
        raise _fail(N_("degrees of freedom must be positive, not %(df)s"), "df", df=df)
    return float(sps.t.ppf(upper, df))


class Design:
    """A stratified SRS: one row per respondent with its stratum, weight and stratum population size."""

    def __init__(self, strata: Sequence[Hashable] | np.ndarray, weights: Sequence[float] | np.ndarray,
                 fpc: Sequence[float] | np.ndarray | None = None, *,
                 _residualisers: tuple[Residualiser, ...] = ()) -> None:
        strata = np.asarray(strata)
        if strata.ndim != 1 or strata.shape[0] == 0:
            raise _fail(N_("a design needs at least one respondent"), "strata")
        n = strata.shape[0]
        weights = as_vector(weights, n, "weights")
        if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
            raise _fail(N_("weights must be positive numbers"), "weights")
        self.labels, codes = np.unique(strata, return_inverse=True)
        self.codes = codes.astype(np.intp)
        self.weights = weights
        self.n = n
        self.stratum_n = np.bincount(self.codes, minlength=len(self.labels))
        self.fpc = None if fpc is None else as_vector(fpc, n, "fpc")
        self.stratum_population = None if self.fpc is None else self._stratum_population(self.fpc)
        self.sampling_fraction_complement = (np.ones(len(self.labels)) if self.stratum_population is None
                                             else 1 - self.stratum_n / self.stratum_population)
        self._order = np.argsort(self.codes, kind="stable")
        self._starts = np.concatenate(([0], np.cumsum(self.stratum_n)[:-1]))
        self._residualisers = _residualisers

    def _stratum_population(self, fpc: np.ndarray) -> np.ndarray:
        population = np.zeros(len(self.labels))
        population[self.codes] = fpc
        if not np.array_equal(population[self.codes], fpc):
            raise _fail(N_("fpc must be the same for every respondent of a stratum"), "fpc")
        if np.any(population < self.stratum_n):
            h = int(np.argmax(population < self.stratum_n))
            raise _fail(N_("stratum %(stratum)s has more respondents (%(n)s) than its population (%(N)s)"), "fpc",
                        stratum=str(self.labels[h]), n=int(self.stratum_n[h]), N=population[h])
        return population

    # --- construction helpers -------------------------------------------------------------------

    def reweighted(self, weights: np.ndarray, residualiser: Residualiser | None = None) -> Design:
        """The same design with new weights (and one more residual step for the variance)."""
        steps = self._residualisers + ((residualiser,) if residualiser is not None else ())
        return Design(self.labels[self.codes], weights, self.fpc, _residualisers=steps)

    def rows(self, keep: np.ndarray) -> Design:
        """A design of the kept rows only (e.g. respondents after a nonresponse adjustment)."""
        keep = as_vector(keep, self.n, "rows", dtype=bool)
        if self._residualisers:
            raise _fail(N_("select rows before weighting steps, not after"), "rows")
        return Design(self.labels[self.codes][keep], self.weights[keep],
                      None if self.fpc is None else self.fpc[keep])

    @property
    def has_weighting_steps(self) -> bool:
        """Post-stratified or raked: variances need residuals of the influence values."""
        return bool(self._residualisers)

    @property
    def df(self) -> int:
        """Degrees of freedom n − H (R's ``degf``)."""
        return int(self.n - len(self.labels))

    def domain_df(self, domain: np.ndarray) -> int:
        """R's ``degf`` of a subset: respondents in it minus the strata they are in."""
        return int(domain.sum() - np.count_nonzero(np.bincount(self.codes[domain], minlength=len(self.labels))))

    def _domain(self, domain: Any) -> np.ndarray:
        if domain is None:
            return np.ones(self.n, dtype=bool)
        return as_vector(domain, self.n, "domain", dtype=bool)

    # --- variance -------------------------------------------------------------------------------

    def covariance(self, z: np.ndarray) -> np.ndarray:
        """Covariance matrix (k × k) of the totals of influence values ``z`` (n × k)."""
        z = np.asarray(z, dtype=float)
        for residualise in self._residualisers:
            z = residualise(z)
        centred, scale = self._centred(z)
        return (centred * scale[:, None]).T @ centred

    def variances(self, z: np.ndarray) -> np.ndarray:
        """Variances (k) of the totals of influence values ``z`` (n × k): the diagonal of :meth:`covariance`."""
        z = np.asarray(z, dtype=float)
        for residualise in self._residualisers:
            z = residualise(z)
        centred, scale = self._centred(z)
        return np.einsum("ij,ij,i->j", centred, centred, scale)

    def lonely_strata(self, rows: np.ndarray | None = None) -> tuple:
        """Strata with a single respondent (among ``rows``, a boolean mask, when given)."""
        single = self.stratum_n == 1
        if rows is not None:
            single &= np.bincount(self.codes[rows], minlength=len(self.labels)) > 0
        return tuple(self.labels[single].tolist())

    def _centred(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows in stratum order, centred on their stratum mean, and each row's variance factor."""
        ordered = z[self._order]
        n_h = self.stratum_n
        means = np.add.reduceat(ordered, self._starts, axis=0) / n_h[:, None]
        # R's survey.lonely.psu = "adjust" (survey 4.x): a stratum with one respondent is not centred on
        # its own mean (that would give 0) but on 0 — the overall mean of a mean's or a proportion's
        # influence values — and keeps its finite-population factor.
        single = n_h == 1
        means[single] = 0.0
        factor = np.where(single, 1.0, n_h / np.maximum(n_h - 1, 1)) * self.sampling_fraction_complement
        centred = ordered - np.repeat(means, n_h, axis=0)
        return centred, np.repeat(factor, n_h)

    # --- estimates --------------------------------------------------------------------------------

    def mean(self, y: Any, domain: Any = None, *, level: float = 0.95, df: float | None = None) -> Estimate:
        """Weighted mean of ``y`` in ``domain``; missing values (NaN) are left out as R's ``na.rm`` does."""
        return self.means(np.asarray(y, dtype=float)[:, None], domain, level=level, df=df)[0]

    def means(self, ys: np.ndarray, domain: Any = None, *, level: float = 0.95,
              df: float | None = None) -> list[Estimate]:
        """:meth:`mean` of each column of ``ys`` (n × k) at once — each with its own missing values."""
        return self.estimates(self.mean_statistics(ys, domain), level=level, df=df)

    def estimates(self, stats: MeanStatistics, *, ci: str = "wald", level: float = 0.95,
                  df: float | None = None) -> list[Estimate]:
        """One :class:`Estimate` per column of ``stats``; ``ci`` other than wald is for proportions."""
        from .intervals import proportion_interval  # intervals imports this module

        if ci not in CI_METHODS:
            raise _fail(N_("unknown interval method %(method)s"), "ci", method=ci)
        points = [self._wald(stats.values[j], stats.variances[j], stats.deff[j], int(stats.n[j]), stats.lonely[j],
                             level, df) for j in range(len(stats.values))]
        if ci == "wald":
            return points
        out = []
        for j, point in enumerate(points):
            low, high = proportion_interval(point.value, point.se ** 2, method=ci, level=level, df=df,
                                            n=point.n, design_df=int(stats.df[j]))
            out.append(Estimate(point.value, point.se, low, high, point.deff, point.n, point.lonely_strata))
        return out

    def mean_statistics(self, ys: np.ndarray, domain: Any = None) -> MeanStatistics:
        """Means of the columns of ``ys`` in ``domain`` with their variances, deff, counts and df."""
        ys = self._matrix(ys)
        mask = self._domain(domain)
        if self._residualisers:
            return self._statistics_from_influence(ys, mask)
        sums, shift = domains.stratum_sums(self, ys, np.where(mask, 0, -1), 1)
        return domains.statistics(self, sums[:, 0], shift)

    def mean_statistics_by(self, ys: np.ndarray, groups: Any) -> tuple[MeanStatistics, dict[Any, MeanStatistics]]:
        """:meth:`mean_statistics` of the whole sample and of each group's domain (sorted group order)."""
        ys = self._matrix(ys)
        groups = np.asarray(groups)
        if groups.shape != (self.n,):
            raise _fail(N_("groups must have one value per respondent (%(n)s)"), "groups", n=self.n)
        labels, codes = np.unique(groups, return_inverse=True)
        if self._residualisers:
            return (self._statistics_from_influence(ys, np.ones(self.n, dtype=bool)),
                    {_plain(g): self._statistics_from_influence(ys, codes == i) for i, g in enumerate(labels)})
        sums, shift = domains.stratum_sums(self, ys, codes, len(labels))
        return (domains.statistics(self, sums.sum(axis=1), shift),
                {_plain(g): domains.statistics(self, sums[:, i], shift) for i, g in enumerate(labels)})

    def _statistics_from_influence(self, ys: np.ndarray, mask: np.ndarray) -> MeanStatistics:
        values, z, valid, wsum = self.linearised_means(ys, mask)
        variances = self.variances(z)
        n = valid.sum(axis=0)
        w = self.weights[:, None] * valid
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = (w * np.where(valid, ys - values, 0.0) ** 2).sum(axis=0) / wsum * n / (n - 1)
            deff = variances / (s2 / n * np.maximum(0.0, (wsum - n) / wsum))
        k = ys.shape[1]
        return MeanStatistics(values, variances, deff, n, np.array([self.domain_df(valid[:, j]) for j in range(k)]),
                              [self.lonely_strata(valid[:, j]) for j in range(k)], wsum)

    def linearised_means(self, ys: np.ndarray, domain: Any = None):
        """Means of the columns of ``ys`` and their influence values (ratio linearisation).

        Returns ``(values, z, valid, weight_sums)``; a column whose domain is empty has value NaN and
        zero influence.
        """
        ys = self._matrix(ys)
        valid = ~np.isnan(ys) & self._domain(domain)[:, None]
        w = self.weights[:, None] * valid
        filled = np.where(valid, ys, 0.0)
        wsum = w.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = (w * filled).sum(axis=0) / wsum
            z = np.where(valid, w * (filled - values) / wsum, 0.0)
        z[:, wsum == 0] = 0.0
        return values, z, valid, wsum

    def combination_influence(self, ys: np.ndarray, domain: Any, stats: MeanStatistics,
                              coefficients: np.ndarray) -> np.ndarray:
        """Influence values (n) of Σ_j c_j·mean_j: z_i = w_i Σ_j c_j (y_ij − mean_j)/W_j over valid answers."""
        ys = self._matrix(ys)
        mask = self._domain(domain)
        centred = np.where(np.isnan(ys), 0.0, ys - stats.values)
        return np.where(mask, self.weights * (centred @ (coefficients / stats.weight_sums)), 0.0)

    def _matrix(self, ys: Any) -> np.ndarray:
        ys = np.asarray(ys, dtype=float)
        if ys.ndim != 2 or ys.shape[0] != self.n:
            raise _fail(N_("values must have one row per respondent (%(n)s)"), "y", n=self.n)
        return ys

    def total(self, y: Any, domain: Any = None, *, level: float = 0.95, df: float | None = None) -> Estimate:
        """Weighted total of ``y`` in ``domain`` (NaN values left out)."""
        y = as_vector(y, self.n, "y")
        valid = ~np.isnan(y) & self._domain(domain)
        filled = np.where(valid, y, 0.0)
        z = (self.weights * filled)[:, None]
        value = float(z.sum())
        variances = self.variances(z)
        n = int(valid.sum())
        w = self.weights * valid
        npop = w.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (w * filled).sum() / npop
            s2 = (w * np.where(valid, y - mean, 0.0) ** 2).sum() / npop * n / (n - 1)
            deff = variances[0] / (s2 * npop**2 * max(0.0, (npop - n) / npop) / n)
        return self._wald(value, variances[0], float(deff), n, self.lonely_strata(valid), level, df)

    def proportion(self, y: Any, domain: Any = None, *, ci: str = "wald", level: float = 0.95,
                   df: float | None = None) -> Estimate:
        """Share of ``y`` (0/1, NaN left out) in ``domain``, with the chosen interval (:mod:`.intervals`)."""
        return self.proportions(as_vector(y, self.n, "y")[:, None], domain, ci=ci, level=level, df=df)[0]

    def proportions(self, ys: np.ndarray, domain: Any = None, *, ci: str = "wald", level: float = 0.95,
                    df: float | None = None) -> list[Estimate]:
        """:meth:`proportion` of each column of ``ys`` (n × k) at once."""
        ys = self._matrix(ys)
        check_binary(ys)
        return self.estimates(self.mean_statistics(ys, domain), ci=ci, level=level, df=df)

    def by(self, groups: Any, y: Any, stat: str = "mean", *, ci: str = "wald", level: float = 0.95,
           df: float | None = None) -> dict[Any, Estimate]:
        """One estimate per group (each group a domain of the whole design, as R's ``svyby``), in sorted
        group order. ``ci`` applies to proportions."""
        if stat not in STATISTICS:
            raise _fail(N_("unknown statistic %(stat)s"), "stat", stat=stat)
        groups = np.asarray(groups)
        if groups.shape != (self.n,):
            raise _fail(N_("groups must have one value per respondent (%(n)s)"), "groups", n=self.n)
        if stat == "total":
            return {_plain(g): self.total(y, groups == g, level=level, df=df) for g in np.unique(groups)}
        ys = as_vector(y, self.n, "y")[:, None]
        if stat == "proportion":
            check_binary(ys)
        _, by_group = self.mean_statistics_by(ys, groups)
        return {g: self.estimates(stats, ci=ci if stat == "proportion" else "wald", level=level, df=df)[0]
                for g, stats in by_group.items()}

    def _wald(self, value: float, variance: float, deff: float, n: int, lonely: tuple, level: float,
              df: float | None) -> Estimate:
        se = float(np.sqrt(variance))
        q = quantile(level, df)
        return Estimate(float(value), se, float(value - q * se), float(value + q * se), float(deff), n, lonely)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


__all__ = ["CI_METHODS", "Design", "Estimate", "quantile"]
