"""Call outcomes, AAPOR codes and what happens to a case after each attempt (pure).

Each attempt gets an interim AAPOR code; a case ends with a final disposition chosen by the rule of
DOMAIN.md ("Fieldwork"), which depends on what we learnt over all attempts:

| what happened (last informative attempt)                          | final            |
| never answered / phone off / busy on every attempt                  | UH 3.13          |
| answered, refused or hung up before screening                       | UO 3.21          |
| screened ineligible, invalid number, fax/data line, business        | 4.70/4.32/4.20/4.51 |
| screened eligible, refused or broke off with < 50% answered         | R 2.11 / 2.12    |
| screened eligible, appointment never kept, never reached again      | NC 2.21          |
| screened eligible, 50–80% answered                                  | P 1.2            |
| ≥ 80% answered                                                       | I 1.1            |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..i18n import N_
from .rules import CallRules

# outcome → (label, interim AAPOR code, kind). Kinds: retry (try again after a delay, up to the
# attempts), refusal (final unless the round converts soft refusals), final, appointment, interview.
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "no_answer": (N_("No answer"), "3.13", "retry"),
    "busy": (N_("Busy"), "3.12", "retry"),
    "phone_off": (N_("Phone off / out of service area"), "3.19", "retry"),
    "invalid": (N_("Invalid / disconnected number"), "4.32", "final"),
    "fax": (N_("Fax or data line"), "4.20", "final"),
    "business": (N_("Business number"), "4.51", "final"),
    "refusal_before": (N_("Refused before screening"), "3.21", "refusal"),
    "refusal_after": (N_("Refused after screening"), "2.11", "refusal"),
    "ineligible": (N_("Screened out: not eligible"), "4.70", "final"),
    "appointment": (N_("Appointment"), "2.21", "appointment"),
    "breakoff": (N_("Break-off during the interview"), "2.12", "interview"),
    "complete": (N_("Interview completed"), "1.1", "interview"),
}
# Keys a caller presses on the case screen (digits are for answers).
OUTCOME_KEYS = {"no_answer": "n", "busy": "b", "phone_off": "o", "invalid": "x", "fax": "f", "business": "w",
                "refusal_before": "r", "refusal_after": "e", "ineligible": "i", "appointment": "a"}
FINAL_GROUPS = {"1.1": "I", "1.2": "P", "2.11": "R", "2.12": "R", "2.21": "NC", "3.13": "UH", "3.12": "UH",
                "3.19": "UH", "3.21": "UO", "4.70": "NE", "4.32": "NE", "4.20": "NE", "4.51": "NE",
                "2.90": "O"}  # 2.90: an interview found falsified on verification
COMPLETE_SHARE, PARTIAL_SHARE = 0.8, 0.5


@dataclass(frozen=True)
class CaseState:
    """What we know of a case before this attempt."""

    attempts: int  # attempts made before this one
    contacted: bool = False  # someone answered the phone at some attempt
    eligible: bool = False  # screening passed at some attempt
    refusals: int = 0  # refusals so far


@dataclass(frozen=True)
class Decision:
    """After an attempt: the case is final (``final_code``) or called again at ``next_call_at``."""

    final_code: str | None = None
    next_call_at: datetime | None = None
    appointment_at: datetime | None = None
    contacted: bool = False
    eligible: bool = False

    @property
    def final_group(self) -> str | None:
        return FINAL_GROUPS.get(self.final_code) if self.final_code else None


def interview_code(answered_share: float) -> str:
    """Final code of an interview by its share of applicable questions answered."""
    if answered_share >= COMPLETE_SHARE:
        return "1.1"
    if answered_share >= PARTIAL_SHARE:
        return "1.2"
    return "2.12"


def exhausted_code(state: CaseState) -> str:
    """Final code when the attempts run out without an interview."""
    if state.eligible:
        return "2.21"  # screened eligible, never reached again
    if state.contacted:
        return "3.21"  # someone answered, eligibility never established
    return "3.13"  # never answered


def decide(outcome: str, state: CaseState, now: datetime, rules: CallRules, *,
           appointment_at: datetime | None = None, answered_share: float | None = None,
           screened_eligible: bool = False) -> Decision:
    """What becomes of the case after an attempt with ``outcome``."""
    _, interim, kind = OUTCOMES[outcome]
    attempts = state.attempts + 1
    contacted = state.contacted or outcome not in ("no_answer", "busy", "phone_off")
    eligible = state.eligible or screened_eligible or outcome in ("refusal_after", "breakoff", "complete")
    after = CaseState(attempts, contacted, eligible, state.refusals + (kind == "refusal"))
    if kind == "interview":
        share = answered_share if answered_share is not None else (1.0 if outcome == "complete" else 0.0)
        return Decision(interview_code(share), contacted=True, eligible=True)
    if kind == "final":
        return Decision(interim, contacted=contacted, eligible=eligible)
    if kind == "appointment":
        if appointment_at is None or appointment_at <= now:
            raise ValueError("an appointment needs a time in the future")
        return Decision(None, appointment_at, appointment_at, contacted, eligible)
    if kind == "refusal":
        if rules.refusal_conversion and after.refusals == 1 and attempts < rules.max_attempts:
            return Decision(None, now + rules.delay("soft_refusal"), contacted=contacted, eligible=eligible)
        return Decision(interim if outcome == "refusal_after" or not eligible else "2.11", contacted=contacted,
                        eligible=eligible)
    # retry: no answer, busy, phone off
    if attempts >= rules.max_attempts:
        return Decision(exhausted_code(after), contacted=contacted, eligible=eligible)
    return Decision(None, now + rules.delay(outcome), contacted=contacted, eligible=eligible)
