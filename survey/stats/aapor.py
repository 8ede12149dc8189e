"""AAPOR outcome rates (Standard Definitions; DOMAIN.md, "Fieldwork").

Counts are of final dispositions: I complete, P partial, R refusal and break-off, NC non-contact,
O other eligible non-interview, UH/UO unknown eligibility. ``e`` is the estimated share of the
unknown-eligibility cases that are eligible; :func:`estimate_e` gives the usual estimate from the
resolved cases (the "proportional allocation" or CASRO method) — disclose it with the rates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..i18n import N_
from .design import _fail

CODES = ("I", "P", "R", "NC", "O", "UH", "UO")
RATES = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF1", "REF2", "REF3",
         "CON1", "CON2", "CON3")


def estimate_e(counts: Mapping[str, float], not_eligible: float) -> float:
    """Eligible share among resolved cases: (I+P+R+NC+O) / (I+P+R+NC+O + not eligible)."""
    eligible = sum(float(counts.get(code, 0)) for code in ("I", "P", "R", "NC", "O"))
    resolved = eligible + float(not_eligible)
    return eligible / resolved if resolved > 0 else math.nan


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def aapor_rates(counts: Mapping[str, float], e: float | None = None) -> dict[str, float]:
    """RR1–RR6, COOP1–4, REF1–3, CON1–3 from counts; rates that need ``e`` are NaN without it."""
    unknown = set(counts) - set(CODES)
    if unknown:
        raise _fail(N_("unknown disposition codes: %(codes)s"), "counts", codes=", ".join(sorted(unknown)))
    c = {code: float(counts.get(code, 0)) for code in CODES}
    if any(value < 0 or math.isnan(value) for value in c.values()):
        raise _fail(N_("disposition counts must be non-negative"), "counts")
    if e is not None and not 0 <= e <= 1:
        raise _fail(N_("e must be between 0 and 1, not %(e)s"), "e", e=e)
    interviews = c["I"] + c["P"]
    eligible_non = c["R"] + c["NC"] + c["O"]
    unknown_eligibility = c["UH"] + c["UO"]
    all_cases = interviews + eligible_non + unknown_eligibility
    with_e = interviews + eligible_non + e * unknown_eligibility if e is not None else math.nan
    known = interviews + eligible_non
    contacted = interviews + c["R"] + c["O"]
    return {
        "RR1": _ratio(c["I"], all_cases), "RR2": _ratio(interviews, all_cases),
        "RR3": _ratio(c["I"], with_e), "RR4": _ratio(interviews, with_e),
        "RR5": _ratio(c["I"], known), "RR6": _ratio(interviews, known),
        "COOP1": _ratio(c["I"], contacted), "COOP2": _ratio(interviews, contacted),
        "COOP3": _ratio(c["I"], interviews + c["R"]), "COOP4": _ratio(interviews, interviews + c["R"]),
        "REF1": _ratio(c["R"], all_cases), "REF2": _ratio(c["R"], with_e), "REF3": _ratio(c["R"], known),
        "CON1": _ratio(contacted, contacted + c["NC"] + unknown_eligibility),
        "CON2": _ratio(contacted, contacted + c["NC"] + e * unknown_eligibility) if e is not None else math.nan,
        "CON3": _ratio(contacted, contacted + c["NC"]),
    }
