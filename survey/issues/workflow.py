"""The issue loop (问题诉求闭环): one table of allowed changes, checked here and nowhere else.

    new ─→ assigned ─→ rectified ─→ awaiting_callback ─→ reviewed ─→ spot_check ─→ verified ─→ closed
              │  ↑          └──(no consent to a call-back)──↗   └───────────(coordinator)────────↗
              ↓  │
           returned        any open state ─→ reopened (重办, a new deadline) ─→ rectified / assigned

``check`` decides whether an actor may make a change and what it needs; services apply it, record the
event and commit. Pure: no database, no Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidState, ValidationError
from ..i18n import N_
from .deadlines import working_days_between

STATUSES = ("new", "assigned", "returned", "rectified", "awaiting_callback", "reviewed", "spot_check",
            "verified", "closed", "reopened")
STATUS_LABELS = {
    "new": N_("new"), "assigned": N_("assigned"), "returned": N_("returned"), "rectified": N_("rectified"),
    "awaiting_callback": N_("awaiting call-back"), "reviewed": N_("reviewed"), "spot_check": N_("in spot check"),
    "verified": N_("spot check passed"), "closed": N_("closed"), "reopened": N_("reopened"),
}
URGENCIES = ("urgent", "normal", "complex")
URGENCY_LABELS = {"urgent": N_("urgent (same day)"), "normal": N_("normal (5 working days)"),
                  "complex": N_("complex (15 working days)")}
# States where the department still owes a fix: these are the ones that can be overdue.
WORKING = frozenset({"assigned", "reopened"})
CLOSED = "closed"
SYSTEM = "system"
RETURN_WITHIN_WORKING_DAYS = 2


@dataclass(frozen=True)
class IssueState:
    """What the guards need to know of an issue."""

    status: str
    department_id: int | None
    assigned_at: datetime | None = None
    recontact: bool = False  # the respondent agreed to be called back
    callback_solved: bool | None = None  # None: no call-back result (none asked for, or unreachable)


@dataclass(frozen=True)
class Actor:
    role: str  # a user's role, or SYSTEM
    department_id: int | None = None


@dataclass(frozen=True)
class Change:
    """What the person making a change typed or chose."""

    reason: str = ""
    evidence: str = ""
    department_id: int | None = None
    urgency: str | None = None
    solved: bool | None = None
    satisfied: bool | None = None
    unreachable: bool = False


Guard = Callable[[IssueState, Change, datetime], "InvalidState | ValidationError | None"]


def _department_set(state: IssueState, change: Change, now: datetime):
    if change.department_id is None:
        return ValidationError(N_("choose the responsible department"),
                               details=[{"field": "department_id", "message": "required"}])
    if change.urgency not in URGENCIES:
        return ValidationError(N_("choose the urgency: it sets the deadline"),
                               details=[{"field": "urgency", "message": "one of " + ", ".join(URGENCIES)}])
    return None


def _within_return_window(state: IssueState, change: Change, now: datetime):
    if state.assigned_at is not None and \
            working_days_between(state.assigned_at, now) > RETURN_WITHIN_WORKING_DAYS:
        return InvalidState(N_("an issue can be returned within %(days)d working days of its assignment only"),
                            params={"days": RETURN_WITHIN_WORKING_DAYS})
    return _reason(state, change, now)


def _reason(state: IssueState, change: Change, now: datetime):
    if not change.reason.strip():
        return ValidationError(N_("give a reason"), details=[{"field": "reason", "message": "required"}])
    return None


def _evidence(state: IssueState, change: Change, now: datetime):
    if not change.evidence.strip():
        return ValidationError(N_("describe what was done: the rectification needs evidence"),
                               details=[{"field": "evidence", "message": "required"}])
    return None


def _consented(state: IssueState, change: Change, now: datetime):
    return None if state.recontact else InvalidState(N_("the respondent did not agree to a call-back"))


def _not_consented(state: IssueState, change: Change, now: datetime):
    return InvalidState(N_("the respondent agreed to a call-back: it comes first")) if state.recontact else None


def _callback_outcome(state: IssueState, change: Change, now: datetime):
    if change.unreachable:
        return None
    missing = [f for f, v in (("solved", change.solved), ("satisfied", change.satisfied)) if v is None]
    if missing:
        return ValidationError(N_("record whether the problem was solved and whether the respondent is satisfied"),
                               details=[{"field": f, "message": "required"} for f in missing])
    return None


def _not_unsolved(state: IssueState, change: Change, now: datetime):
    if state.callback_solved is False:
        return InvalidState(N_("the call-back says the problem is not solved: reopen it instead"))
    return None


@dataclass(frozen=True)
class Transition:
    label: str  # what the button says
    by: frozenset[str]  # roles allowed (SYSTEM: only the product itself)
    guards: tuple[Guard, ...] = ()
    new_deadline: bool = False  # the change sets a deadline from the urgency


def _t(label: str, *by: str, guards: tuple[Guard, ...] = (), new_deadline: bool = False) -> Transition:
    return Transition(label, frozenset(by), guards, new_deadline)


COORDINATOR = "coordinator"
TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("new", "assigned"): _t(N_("Assign"), COORDINATOR, SYSTEM, guards=(_department_set,), new_deadline=True),
    ("returned", "assigned"): _t(N_("Reassign"), COORDINATOR, guards=(_department_set,), new_deadline=True),
    ("reopened", "assigned"): _t(N_("Reassign"), COORDINATOR, guards=(_department_set,), new_deadline=True),
    ("assigned", "returned"): _t(N_("Return to the coordinator"), "department", guards=(_within_return_window,)),
    ("assigned", "rectified"): _t(N_("Report rectified"), "department", guards=(_evidence,)),
    ("reopened", "rectified"): _t(N_("Report rectified"), "department", guards=(_evidence,)),
    ("rectified", "awaiting_callback"): _t(N_("Queue a call-back"), SYSTEM, guards=(_consented,)),
    ("rectified", "reviewed"): _t(N_("Straight to review"), SYSTEM, guards=(_not_consented,)),
    ("awaiting_callback", "reviewed"): _t(N_("Record the call-back"), "caller", guards=(_callback_outcome,)),
    ("reviewed", "spot_check"): _t(N_("Select for a spot check"), SYSTEM),
    ("spot_check", "verified"): _t(N_("Spot check confirmed"), "verifier"),
    ("reviewed", "closed"): _t(N_("Close (销号)"), COORDINATOR, guards=(_not_unsolved,)),
    ("verified", "closed"): _t(N_("Close (销号)"), COORDINATOR),
}
# 重办: any open state may be reopened with a reason and a new deadline — by a coordinator, or by the
# product when a call-back says "not solved" or a spot check fails.
for _from in ("assigned", "returned", "rectified", "awaiting_callback", "reviewed", "spot_check", "verified"):
    TRANSITIONS[(_from, "reopened")] = _t(N_("Reopen (重办)"), COORDINATOR, SYSTEM, guards=(_reason,),
                                          new_deadline=True)


def check(state: IssueState, to: str, actor: Actor, change: Change, now: datetime) -> Transition:
    """The transition if ``actor`` may move the issue to ``to`` with ``change``; raises why not."""
    transition = TRANSITIONS.get((state.status, to))
    params = {"from": STATUS_LABELS.get(state.status, state.status), "to": STATUS_LABELS.get(to, to)}
    if transition is None:
        raise InvalidState(N_("an issue that is %(from)s cannot become %(to)s"), params=params)
    if actor.role not in transition.by:
        if transition.by == {SYSTEM}:
            raise InvalidState(N_("an issue goes from %(from)s to %(to)s by itself, not by hand"), params=params)
        raise InvalidState(N_("your role cannot move an issue from %(from)s to %(to)s"), params=params)
    if actor.role == "department" and actor.department_id != state.department_id:
        raise InvalidState(N_("this issue belongs to another department"))
    for guard in transition.guards:
        problem = guard(state, change, now)
        if problem is not None:
            raise problem
    return transition


def next_steps(state: IssueState, actor: Actor) -> list[tuple[str, Transition]]:
    """The changes this actor may try from the issue's state (the buttons on the issue page)."""
    if actor.role == "department" and actor.department_id != state.department_id:
        return []
    return [(to, t) for (frm, to), t in TRANSITIONS.items() if frm == state.status and actor.role in t.by]
