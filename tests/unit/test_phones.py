"""Phone numbers: validation, masking, keyed digests and encryption."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from survey.phones import InvalidPhone, PhoneVault, mask, normalise


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", ("13812345678", "mobile")),
    ("138 1234 5678", ("13812345678", "mobile")),
    ("+86 138-1234-5678", ("13812345678", "mobile")),
    ("008613812345678", ("13812345678", "mobile")),
    (13812345678.0, ("13812345678", "mobile")),  # as Excel stores it
    ("１３８ １２３４ ５６７８", ("13812345678", "mobile")),  # full-width, as a Chinese IME types it
    ("13８12345678", ("13812345678", "mobile")),
    ("0531-87654321", ("053187654321", "landline")),
    ("(010) 6512 3456", ("01065123456", "landline")),
    ("0538-8123456", ("05388123456", "landline")),
])
def test_valid_numbers_are_normalised(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "1381234567", "12812345678", "138123456789", "abc", "110",
                                 "05311234", "0031234567890", "1381234567x",
                                 "1300000000٠"])  # an Arabic-Indic digit: a digit, but not one of ours
def test_invalid_numbers_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidPhone) as error:
        normalise(raw)
    assert str(error.value)


def test_masking_shows_only_the_ends():
    assert mask("13812345678") == "138****5678"
    assert mask("053187654321") == "053*****4321"
    assert mask("12345") == "1**45" and mask(None) == ""


def test_digests_are_keyed_and_stable():
    vault, other = PhoneVault("key-one"), PhoneVault("key-two")
    assert vault.digest("13812345678") == PhoneVault("key-one").digest("13812345678")
    assert vault.digest("13812345678") != other.digest("13812345678")
    assert len(vault.digest("13812345678")) == 32


@given(st.text(alphabet="0123456789", min_size=1, max_size=20), st.text(min_size=1, max_size=80))
def test_digest_is_standard_hmac_sha256_so_stored_digests_keep_matching(digits, phone_key):
    derived = hmac.digest(phone_key.encode(), b"minsheng/phone-digest/v1", "sha256")
    assert PhoneVault(phone_key).digest(digits) == hmac.new(derived, digits.encode(), hashlib.sha256).digest()


def test_encryption_round_trips_hides_the_number_and_detects_tampering():
    vault = PhoneVault("key-one")
    token = vault.encrypt("13812345678")
    assert b"13812345678" not in token and vault.decrypt(token) == "13812345678"
    assert vault.encrypt("13812345678") != token  # a fresh nonce every time
    assert [vault.decrypt(t) for t in vault.encrypt_many(["13812345678", "13900000000"])] == \
        ["13812345678", "13900000000"]
    with pytest.raises(InvalidTag):
        PhoneVault("key-two").decrypt(token)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_number_is_accepted_and_masked_to_seven_stars_or_fewer(number):
    digits, kind = normalise(number)
    assert (digits, kind) == (number, "mobile")
    assert mask(digits) == digits[:3] + "****" + digits[-4:]
