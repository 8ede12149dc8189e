"""Allocation and sample sizes against hand calculations (DOMAIN.md) and as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from survey.errors import ValidationError
from survey.sampling import (
    allocate,
    issued_size,
    margin_of_error,
    precision_allocation,
    sample_size,
    split_replicates,
)

DOMAIN_N = (120_000, 80_000, 50_000, 30_000, 20_000, 10_000)
DEMO_CITY = (800_000, 1_050_000, 1_310_000, 970_000, 670_000, 670_000)


def test_domain_worked_example_proportional():
    # 10,400 × N_h / 310,000 = 4025.81, 2683.87, 1677.42, 1006.45, 670.97, 335.48: floors sum to 10,396;
    # the 4 left over go to the largest remainders .97, .87, .81, .48.
    assert allocate(DOMAIN_N, 10_400) == [4026, 2684, 1677, 1006, 671, 336]


def test_demo_round_500_per_unit_then_proportional():
    # 3,000 as base; 2,200 × N_h / 5,470,000 = 321.76, 422.30, 526.87, 390.13, 269.47, 269.47:
    # floors 321+422+526+390+269+269 = 2,197; 3 left: .87 (河东), .76 (城中), .47 tie → lower index (清平).
    assert allocate(DEMO_CITY, 5_200, base=500) == [822, 922, 1027, 890, 770, 769]
    assert min(allocate(DEMO_CITY, 5_200, base=500)) >= 769


def test_equal_allocation_splits_evenly_with_leftovers_to_the_first_strata():
    assert allocate([1000] * 4, 10, method="equal") == [3, 3, 2, 2]


def test_neyman_allocation_weights_by_population_times_sd():
    p = (0.8, 0.7, 0.85, 0.6, 0.75, 0.9)
    sd = [math.sqrt(x * (1 - x)) for x in p]
    n = allocate(DOMAIN_N, 10_400, method="neyman", sd=sd)
    shares = [N * s for N, s in zip(DOMAIN_N, sd, strict=True)]
    exact = [10_400 * s / sum(shares) for s in shares]
    assert sum(n) == 10_400
    assert all(abs(a - b) < 1 for a, b in zip(n, exact, strict=True))
    assert n[3] / DOMAIN_N[3] > n[5] / DOMAIN_N[5]  # the more variable stratum is sampled harder


def test_power_allocation_between_equal_and_proportional():
    zero = allocate(DOMAIN_N, 600, method="power", power=0.0)
    one = allocate(DOMAIN_N, 600, method="power", power=1.0)
    half = allocate(DOMAIN_N, 600, method="power", power=0.5)
    assert zero == allocate(DOMAIN_N, 600, method="equal")
    assert one == allocate(DOMAIN_N, 600)
    assert one[0] > half[0] > zero[0] and one[-1] < half[-1] < zero[-1]


def test_a_stratum_never_gets_more_than_its_population_and_the_excess_moves_on():
    assert allocate([5, 1000, 1000], 300, method="equal") == [5, 148, 147]


def test_min_and_max_per_stratum_are_honoured():
    n = allocate(DOMAIN_N, 1000, min_n=100, max_n=300)
    assert all(100 <= x <= 300 for x in n) and sum(n) == 1000


@pytest.mark.parametrize("args, kwargs, field", [
    ((DOMAIN_N, 400_000), {}, "n"),
    ((DOMAIN_N, 1000), {"base": 200}, "base"),
    ((DOMAIN_N, 1000), {"method": "neyman"}, "sd"),
    ((DOMAIN_N, 1000), {"method": "quota"}, "method"),
    ((DOMAIN_N, 1000), {"max_n": 100}, "n"),
    ((DOMAIN_N, 1000), {"min_n": 200}, "min_n"),
    (([], 10), {}, "strata"),
])
def test_infeasible_designs_say_why(args, kwargs, field):
    with pytest.raises(ValidationError) as error:
        allocate(*args, **kwargs)
    assert error.value.details[0]["field"] == field and error.value.message


sizes = st.lists(st.integers(min_value=0, max_value=50_000), min_size=1, max_size=12)


@given(sizes, st.data())
def test_allocation_sums_to_n_and_stays_within_bounds(population, data):
    total = sum(population)
    assume(total > 0)
    n = data.draw(st.integers(min_value=0, max_value=total))
    method = data.draw(st.sampled_from(["proportional", "equal", "power"]))
    result = allocate(population, n, method=method, power=0.5)
    assert sum(result) == n
    assert all(0 <= x <= N for x, N in zip(result, population, strict=True))


@given(sizes, st.data())
def test_base_and_min_and_max_hold_whenever_feasible(population, data):
    total = sum(population)
    assume(total > 0)
    H = len(population)
    base = data.draw(st.integers(min_value=0, max_value=50))
    min_n = data.draw(st.integers(min_value=0, max_value=60))
    max_n = data.draw(st.one_of(st.none(), st.integers(min_value=max(base, min_n), max_value=5_000)))
    n = data.draw(st.integers(min_value=0, max_value=total))
    lower = [min(max(base, min_n), N) for N in population]
    upper = [N if max_n is None else min(N, max_n) for N in population]
    feasible = base * H <= n and sum(lower) <= n <= sum(upper)
    if not feasible:
        with pytest.raises(ValidationError):
            allocate(population, n, base=base, min_n=min_n, max_n=max_n)
        return
    result = allocate(population, n, base=base, min_n=min_n, max_n=max_n)
    assert sum(result) == n
    assert all(lo <= x <= hi for x, lo, hi in zip(result, lower, upper, strict=True))


@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=8, unique=True),
       st.integers(min_value=1, max_value=5_000), st.randoms(use_true_random=False))
def test_permuting_strata_permutes_the_allocation_when_no_remainders_tie(population, n, rnd):
    n = min(n, sum(population))
    fractions = [(n * N / sum(population)) % 1 for N in population]
    assume(len({round(f, 9) for f in fractions}) == len(fractions))
    permutation = list(range(len(population)))
    rnd.shuffle(permutation)
    original = allocate(population, n)
    permuted = allocate([population[i] for i in permutation], n)
    assert permuted == [original[i] for i in permutation]


def test_allocation_is_deterministic():
    assert allocate(DEMO_CITY, 5_200, base=500) == allocate(list(DEMO_CITY), 5_200, base=500)


def test_sample_size_textbook_values():
    assert sample_size(0.05) == 385  # 1.959964² · 0.25 / 0.05² = 384.15
    assert sample_size(0.03) == 1068  # 1067.07
    assert sample_size(0.035) == 784  # 783.99: the exact quantile, not 1.96
    assert sample_size(0.05, confidence=0.99) == 664  # 2.575829² · 0.25 / 0.0025 = 663.49
    assert sample_size(0.05, p=0.8) == 246  # 245.86
    assert sample_size(0.05, population=1000) == 278  # 384.15 / (1 + 0.38415) = 277.5
    assert sample_size(0.05, deff=1.5) == 577  # 576.22


def test_precision_allocation_gives_each_stratum_its_own_margin():
    sizes = precision_allocation([100, 10_000, 0], 0.05)
    assert sizes == [80, 370, 0]  # 384.15/(1+3.8415) = 79.3; 384.15/(1+.038415) = 369.9
    assert margin_of_error(sizes[1], population=10_000) <= 0.05


def test_expected_margin_matches_the_demo_claim():
    assert abs(margin_of_error(769) - 0.0353) < 0.0001  # "≈ ±3.5 points at p = 0.5"


def test_issued_numbers_and_replicates():
    assert issued_size(1000, 0.32) == 3125
    assert issued_size(1000, 0.3) == 3334  # 3333.33 → 3334
    assert split_replicates(3125, 500) == [500] * 6 + [125]
    assert split_replicates(0, 100) == []
    with pytest.raises(ValidationError):
        issued_size(1000, 0)
