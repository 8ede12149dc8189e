"""Phone numbers are personal data from the first row.

- :func:`normalise` checks a mainland number (mobile ``1[3-9]`` + 9 digits, or a landline with its
  area code) and returns its canonical digits.
- :class:`PhoneVault` turns a number into a keyed digest (HMAC-SHA256: uniqueness and contact
  history without the number) and an authenticated ciphertext (AES-256-GCM from ``cryptography``)
  that only the allowed views decrypt. Both keys are derived from ``SURVEY_PHONE_KEY``.
- :func:`mask` is the one way a number is shown elsewhere: ``138****1234``.

Pure: no Flask, no database. Nothing here logs a number.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .i18n import N_

_SEPARATORS = re.compile(r"[\s\-()（）.]")
MOBILE = re.compile(r"1[3-9]\d{9}")
# 0 + area code (2–3 digits, not starting with 0) + local number of 7–8 digits: 10–12 digits in all.
LANDLINE = re.compile(r"0[1-9]\d{1,2}[2-9]\d{6,7}")
NONCE_BYTES = 12


class InvalidPhone(ValueError):
    """The value is not a mainland mobile number or a landline with an area code."""


def normalise(raw: object) -> tuple[str, str]:
    """``(digits, kind)`` with kind ``"mobile"`` or ``"landline"``; raises :class:`InvalidPhone`."""
    if raw is None:
        raise InvalidPhone(N_("invalid phone number: empty"))
    if type(raw) is str and len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] == "1" \
            and raw[1] in "3456789":
        return raw, "mobile"  # the common case, without the general clean-up below (the import's hot path)
    # NFKC turns full-width digits and signs (１３８…, ＋８６, typed with a Chinese IME) into ASCII; other
    # scripts' digits stay what they are and are refused below — str.isdigit() alone would keep them.
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if isinstance(raw, float) and raw.is_integer():  # Excel stores 13812345678 as 13812345678.0
        text = str(int(raw))
    text = _SEPARATORS.sub("", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text:
        raise InvalidPhone(N_("invalid phone number: empty"))
    if not (text.isascii() and text.isdigit()):
        raise InvalidPhone(N_("invalid phone number: not a number"))
    if MOBILE.fullmatch(text):
        return text, "mobile"
    if LANDLINE.fullmatch(text) and 10 <= len(text) <= 12:
        return text, "landline"
    if text.startswith("1"):
        raise InvalidPhone(N_("invalid phone number: not a mainland mobile number (11 digits starting 13–19)"))
    raise InvalidPhone(N_("invalid phone number: not a mobile number or a landline with its area code"))


def mask(value: object) -> str:
    """``13812345678`` → ``138****5678``; anything else keeps at most its first 3 and last 4 characters."""
    text = _SEPARATORS.sub("", "" if value is None else str(value))
    if len(text) <= 4:
        return "*" * len(text)
    if len(text) <= 7:
        return text[:1] + "*" * (len(text) - 3) + text[-2:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


# A run of digits that may hold a number written with separators or a +86 prefix ("138-0000-1234", "+86 139…").
_RUN = re.compile(r"\+?\d[\d\s\-()（）.]*\d")
_DIGITS = re.compile(r"\d{10,}")


def _mask_digits(match: re.Match) -> str:
    try:
        return mask(normalise(match.group(0))[0])
    except InvalidPhone:
        return match.group(0)


def _mask_run(match: re.Match) -> str:
    run = match.group(0)
    try:
        return mask(normalise(run)[0])
    except InvalidPhone:
        return _DIGITS.sub(_mask_digits, run)  # two numbers side by side, or a number among other figures


def mask_within(text: str) -> str:
    """Free text with every phone number in it masked: "备用电话 13812345678，晚上打" → "备用电话 138****5678，晚上打".

    For text people typed or said — an extra column of a frame, an open answer, a rejected cell — where a number
    may stand among other words. A text with fewer than ten characters cannot hold one and is returned at once.
    """
    if len(text) < 10:
        return text
    return _RUN.sub(_mask_run, text)


class PhoneVault:
    """Keyed digests and encryption of normalised phone numbers."""

    def __init__(self, phone_key: str) -> None:
        if not phone_key:
            raise ValueError("a phone key is required")
        secret = phone_key.encode()
        digest_key = hmac.digest(secret, b"minsheng/phone-digest/v1", "sha256")
        # HMAC-SHA256 by its definition, H((k ⊕ opad) ‖ H((k ⊕ ipad) ‖ m)), from the two padded-key states
        # hashed once: the same digest as hmac.new() in half the time (the import hashes a million numbers).
        block = digest_key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block)).copy
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block)).copy
        self._aead = AESGCM(hmac.digest(secret, b"minsheng/phone-encryption/v1", "sha256"))

    def digest(self, digits: str) -> bytes:
        inner = self._inner()
        inner.update(digits.encode())
        outer = self._outer()
        outer.update(inner.digest())
        return outer.digest()

    def digest_many(self, numbers: Iterable[str | None]) -> list[bytes | None]:
        """:meth:`digest` of each number (None stays None), without a method call per number."""
        inner, outer = self._inner, self._outer
        out: list[bytes | None] = []
        for digits in numbers:
            if digits is None:
                out.append(None)
                continue
            h = inner()
            h.update(digits.encode())
            o = outer()
            o.update(h.digest())
            out.append(o.digest())
        return out

    def encrypt(self, digits: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, digits.encode(), None)

    def encrypt_many(self, numbers: Iterable[str]) -> list[bytes]:
        """Bulk encryption (one random read for all the nonces): the import's hot path."""
        numbers = list(numbers)
        nonces = os.urandom(NONCE_BYTES * len(numbers))
        out = []
        for i, digits in enumerate(numbers):
            nonce = nonces[i * NONCE_BYTES:(i + 1) * NONCE_BYTES]
            out.append(nonce + self._aead.encrypt(nonce, digits.encode(), None))
        return out

    def decrypt(self, token: bytes) -> str:
        return self._aead.decrypt(token[:NONCE_BYTES], token[NONCE_BYTES:], None).decode()
