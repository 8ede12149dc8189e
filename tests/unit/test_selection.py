"""Stratified SRS without replacement: right counts, no repeats, reproducible, replicates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import ValidationError
from survey.sampling import base_weight, select


def frame(sizes: dict[str, int]) -> np.ndarray:
    labels = np.concatenate([np.repeat(h, n) for h, n in sizes.items()])
    return np.random.default_rng(0).permutation(labels)  # strata interleaved, as in a real frame


def test_each_stratum_gets_exactly_its_allocation_without_repeats():
    strata = frame({"a": 1000, "b": 500, "c": 50})
    sel = select(strata, {"a": 100, "b": 20, "c": 50}, seed=7)
    assert len(sel.rows) == 170 and len(set(sel.rows.tolist())) == 170
    assert (strata[sel.rows] == sel.stratum).all()
    assert {h: int((sel.stratum == h).sum()) for h in "abc"} == {"a": 100, "b": 20, "c": 50}
    assert sel.population == {"a": 1000, "b": 500, "c": 50}


def test_same_frame_allocation_and_seed_give_the_same_sample():
    strata = frame({"a": 1000, "b": 500})
    one = select(strata, {"a": 100, "b": 20}, seed=42)
    two = select(strata.copy(), {"a": 100, "b": 20}, seed=42)
    other = select(strata, {"a": 100, "b": 20}, seed=43)
    assert one.rows.tolist() == two.rows.tolist()
    assert one.rows.tolist() != other.rows.tolist()


def test_changing_one_strata_allocation_leaves_the_others_draw_alone():
    strata = frame({"a": 1000, "b": 500})
    before = select(strata, {"a": 100, "b": 20}, seed=1)
    after = select(strata, {"a": 100, "b": 40}, seed=1)
    assert before.rows[before.stratum == "a"].tolist() == after.rows[after.stratum == "a"].tolist()


def test_replicates_are_consecutive_blocks_of_the_random_order():
    sel = select(frame({"a": 1000}), {"a": 250}, seed=3, replicate_size=100)
    assert np.bincount(sel.replicate).tolist() == [0, 100, 100, 50]
    per_stratum = select(frame({"a": 1000, "b": 100}), {"a": 30, "b": 30}, seed=3, replicate_size={"a": 10, "b": 30})
    assert per_stratum.replicate[per_stratum.stratum == "a"].max() == 3
    assert per_stratum.replicate[per_stratum.stratum == "b"].max() == 1


def test_integer_and_tuple_like_labels_come_back_as_plain_values():
    sel = select(np.array([1, 2, 2, 1, 2]), {1: 1, 2: 2}, seed=0)
    assert sel.population == {1: 2, 2: 3} and all(type(k) is int for k in sel.population)


def test_asking_for_more_than_a_stratum_has_or_an_unknown_stratum_is_refused():
    strata = frame({"a": 10})
    with pytest.raises(ValidationError):
        select(strata, {"a": 11}, seed=0)
    with pytest.raises(ValidationError):
        select(strata, {"zz": 1}, seed=0)


def test_every_unit_has_the_same_chance_within_its_stratum():
    strata = np.repeat("a", 20)
    hits = np.zeros(20)
    for seed in range(2000):
        hits[select(strata, {"a": 5}, seed=seed).rows] += 1
    # each unit is selected with probability 5/20: 500 of 2000 draws, sd ≈ 19.4
    assert np.all(np.abs(hits - 500) < 5 * 19.4)


def test_base_weight_is_population_over_released():
    assert base_weight(120_000, 4_000) == 30.0
    with pytest.raises(ValidationError):
        base_weight(100, 0)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(min_value=1, max_value=300), min_size=1),
       st.integers(min_value=0, max_value=2**32 - 1), st.data())
def test_any_feasible_allocation_is_drawn_exactly(sizes, seed, data):
    strata = frame(sizes)
    allocation = {h: data.draw(st.integers(min_value=0, max_value=n)) for h, n in sizes.items()}
    sel = select(strata, allocation, seed=seed)
    assert len(np.unique(sel.rows)) == len(sel.rows) == sum(allocation.values())
    for h, n in allocation.items():
        assert int((strata[sel.rows] == h).sum()) == n


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from([True, False, None]),
       st.sampled_from(["M", "F", None]), st.sampled_from(["18-29", "30-44", "45-59", "60+", None]))
def test_a_units_cell_holds_its_four_stratum_values(region_id, urban, sex, band):
    from survey.sampling.frame_rows import AGE_BANDS, SEX_LEVELS, URBAN_LEVELS, cell_code, cell_parts

    parts = cell_parts(np.array([cell_code(region_id, urban, sex, band)]))
    assert int(parts[0][0]) == region_id
    assert int(parts[1][0]) == (-1 if urban is None else URBAN_LEVELS.index(urban))
    assert int(parts[2][0]) == (-1 if sex is None else SEX_LEVELS.index(sex))
    assert int(parts[3][0]) == (-1 if band is None else AGE_BANDS.index(band))
