"""Numbers among other words — an extra column, an open answer, a rejected cell — are masked, nothing else is."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.phones import mask_within


@pytest.mark.parametrize("text, expected", [
    ("备用电话 13912345678", "备用电话 139****5678"),
    ("电话13912345678，晚上打", "电话139****5678，晚上打"),
    ("或者188-1234-0002找我家人", "或者188****0002找我家人"),
    ("+86 139 1234 5678", "139****5678"),
    ("两个号码 13912345678 13812345678", "两个号码 139****5678 138****5678"),
    ("座机 0531-88886666 转 12", "座机 053*****6666 转 12"),
    ("身份证 370102199001011234", "身份证 370102199001011234"),  # not a phone number: left as it is
    ("2026-01-31 路灯坏了 3 天", "2026-01-31 路灯坏了 3 天"),
    ("门牌号 12345", "门牌号 12345"),
    ("short", "short"),
])
def test_numbers_in_text_are_masked_and_other_figures_are_not(text, expected):
    assert mask_within(text) == expected


@given(st.text(alphabet="路灯坏了，请打 -()0123456789", max_size=40), st.sampled_from(" ，-(（:"),
       st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(" ，-)）。"),
       st.text(alphabet="路灯坏了，请打 -()0123456789", max_size=40))
def test_a_mobile_number_among_any_words_and_figures_is_masked(before, left, number, right, after):
    masked = mask_within(before + left + number + right + after)
    assert number not in masked.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
