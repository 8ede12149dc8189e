"""The issue loop (问题诉求): issues made from complaints, routed, moved through the workflow, called back.

Every change goes through :func:`move`, which asks ``issues.workflow.check`` (the one transition table)
and records an :class:`IssueEvent` with who, when, from → to and why. A department liaison only ever
loads its own department's issues: :func:`load` answers "no such issue" for any other.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update

from ..errors import InvalidState, NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..issues import clusters as clustering
from ..issues import routing, workflow
from ..issues.deadlines import deadline as deadline_for
from ..issues.text import normalise, tokens
from ..issues.workflow import SYSTEM, Actor, Change, IssueState
from ..models import (
    Callback,
    Case,
    Department,
    FrameUnit,
    Indicator,
    Interview,
    Issue,
    IssueAttachment,
    IssueCluster,
    IssueEvent,
    IssueRule,
    Round,
    User,
)
from ..models.types import utcnow
from ..phones import mask
from . import audit, retention
from .frames import vault

CALLBACK_WITHIN = timedelta(days=3)  # DOMAIN.md: the call-back comes within 3 days of the fix
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
OTHER_CATEGORY = "其他"  # an open complaint that no rule routes (categories are Chinese, like the rules')
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "application/pdf", "text/plain")


# --- creation (inside the interview-processing transaction) -----------------------------------------

@dataclass(frozen=True)
class NewComplaint:
    complaint_id: int
    interview_id: int
    round_id: int
    indicator_id: int | None
    text: str
    recontact: bool
    heard_at: datetime | None = None  # the interview's submission: the issue's clock starts when it was said


def create_from_complaints(complaints: list[NewComplaint], *, now: datetime | None = None) -> int:
    """Turn stored complaints into issues: routed, clustered, auto-assigned where a rule says so.

    Runs in the caller's transaction (interview processing): nothing is committed here. Bulk, like the
    processing around it: rows are built in Python and written with one statement per table.
    """
    if not complaints:
        return 0
    now = now or utcnow()
    regions = dict(db.session.execute(
        select(Interview.id, FrameUnit.region_id).join(Case, Case.id == Interview.case_id)
        .join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(Interview.id.in_({c.interview_id for c in complaints}))).all())
    reference = _reference()
    rows: list[dict[str, Any]] = []
    for complaint in complaints:
        body = normalise(complaint.text)
        words = tokens(body)
        code, department = reference.indicators.get(complaint.indicator_id, (None, None, None))[:2]
        routed = routing.route(body, code, reference.rules, indicator_department=department, tokens=words)
        # No rule matched: the category is the indicator's name (or "other"), in words a reader knows.
        category = routed.category if routed.rule_id is not None else \
            reference.indicators.get(complaint.indicator_id, (None, None, OTHER_CATEGORY))[2]
        rows.append({"round_id": complaint.round_id, "interview_id": complaint.interview_id,
                     "complaint_id": complaint.complaint_id, "indicator_id": complaint.indicator_id,
                     "region_id": regions.get(complaint.interview_id), "text": complaint.text.strip(),
                     "tokens": words, "category": category[:60],
                     "department_id": reference.department_ids.get(routed.department), "urgency": routed.urgency,
                     "rule_id": routed.rule_id, "cluster_id": None, "status": "new", "deadline": None,
                     "recontact": complaint.recontact, "evidence": "", "doubtful": [], "reopened": 0,
                     "created_at": complaint.heard_at or now})
    _cluster(rows)
    ids = dict(db.session.execute(insert(Issue).returning(Issue.complaint_id, Issue.id), rows).all())
    db.session.execute(insert(IssueEvent), [
        {"issue_id": ids[r["complaint_id"]], "at": r["created_at"], "user_id": None, "actor": SYSTEM,
         "from_status": None, "to_status": "new", "note": "", "details": {"rule_id": r["rule_id"]}} for r in rows])
    for row in rows:
        if row["rule_id"] in reference.auto_assign and row["department_id"] is not None:
            issue = db.session.get(Issue, ids[row["complaint_id"]])
            apply_change(issue, "assigned", actor=None, change=Change(department_id=issue.department_id,
                                                               urgency=issue.urgency), now=row["created_at"],
                         system=True)
    return len(rows)


@dataclass(frozen=True)
class _Reference:
    rules: list[routing.KeywordRule]
    auto_assign: frozenset[int]
    indicators: dict[int, tuple[str, str | None, str]]  # id → code, its department's code, Chinese name
    department_ids: dict[str, int]


_RULES: dict[tuple, tuple[list[routing.KeywordRule], frozenset[int]]] = {}


def _lookups() -> tuple[dict[int, str], dict[int, tuple[str, str | None, str]]]:
    """Departments and indicators. Read every time, not cached: ids differ between databases and after a
    restore, and an indicator's department may change at any moment (two small queries)."""
    departments = dict(db.session.execute(select(Department.id, Department.code)).all())
    indicators = {row.id: (row.code, departments.get(row.department_id), row.name_zh)
                  for row in db.session.execute(select(Indicator.id, Indicator.code, Indicator.department_id,
                                                       Indicator.name_zh))}
    return departments, indicators


def _reference() -> _Reference:
    """Rules (cached per process until one is added, edited or deleted), indicators and departments."""
    departments, indicators = _lookups()
    stamp = tuple(db.session.execute(select(func.count(), func.max(IssueRule.updated_at),
                                            func.max(IssueRule.id))).one())
    key = (str(db.engine.url), stamp)
    if key not in _RULES:
        codes = {i: code for i, (code, _d, _n) in indicators.items()}
        rows = db.session.scalars(select(IssueRule).where(IssueRule.active)
                                  .order_by(IssueRule.position, IssueRule.id)).all()
        _RULES.clear()  # only the current version is worth keeping
        _RULES[key] = ([routing.KeywordRule(keywords=tuple(row.keywords), category=row.category,
                                            department=departments.get(row.department_id), urgency=row.urgency,
                                            indicator=codes.get(row.indicator_id), position=row.position, id=row.id)
                        for row in rows], frozenset(row.id for row in rows if row.auto_assign))
    rules, auto = _RULES[key]
    return _Reference(rules, auto, indicators, {code: i for i, code in departments.items()})


def _cluster(rows: list[dict[str, Any]]) -> None:
    """Put each new issue in the cluster of its near-duplicates (same round, district and category), and
    mark it doubtful when the previous round had the same complaint reported fixed."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["round_id"], row["region_id"], row["category"])].append(row)
    previous = dict(db.session.execute(select(Round.id, Round.previous_id).where(
        Round.id.in_({r["round_id"] for r in rows}))).all())
    grown: dict[int, int] = defaultdict(int)
    repeated: set[int] = set()
    table = IssueCluster.__table__
    for (round_id, region_id, category), members in sorted(groups.items(), key=lambda g: repr(g[0])):
        _lock_group(round_id, region_id, category)
        same_region = table.c.region_id.is_(None) if region_id is None else table.c.region_id == region_id
        existing = [tuple(r) for r in db.session.execute(select(table.c.id, table.c.tokens).where(
            table.c.round_id == round_id, same_region, table.c.category == category).order_by(table.c.id))]
        fixed = [] if previous.get(round_id) is None else [tuple(r) for r in db.session.execute(
            select(Issue.id, Issue.tokens).where(Issue.round_id == previous[round_id], Issue.region_id == region_id,
                                                 Issue.category == category, Issue.rectified_at.is_not(None)))]
        for row in members:
            found = clustering.assign(row["tokens"], existing)
            if found is None:
                found = db.session.execute(insert(table).returning(table.c.id), {
                    "round_id": round_id, "region_id": region_id, "category": category, "label": row["text"],
                    "tokens": row["tokens"], "size": 0}).scalar_one()
                existing.append((found, row["tokens"]))
            row["cluster_id"] = found
            grown[found] += 1
            match = clustering.assign(row["tokens"], fixed) if fixed else None
            if match is not None:
                row["doubtful"] = ["repeat_complaint"]
                repeated.add(match)
    db.session.execute(update(table).where(table.c.id == bindparam("cluster")).values(
        size=table.c.size + bindparam("more")), [{"cluster": c, "more": n} for c, n in grown.items()])
    for issue in db.session.scalars(select(Issue).where(Issue.id.in_(repeated))):
        if "repeat_complaint" not in issue.doubtful:
            issue.doubtful = [*issue.doubtful, "repeat_complaint"]


def _lock_group(round_id: int, region_id: int | None, category: str) -> None:
    """PostgreSQL: two workers clustering the same group wait for each other (SQLite writers already do)."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"{round_id}|{region_id}|{category}".encode())
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# --- reading ----------------------------------------------------------------------------------------

def load(issue_id: int, user: User | None) -> Issue:
    """The issue, if this user may see it (a department liaison sees only its own department's)."""
    issue = db.session.get(Issue, issue_id)
    if issue is None or (user is not None and user.role == "department"
                         and issue.department_id != user.department_id):
        raise NotFound(N_("no such issue"))
    return issue


@dataclass(frozen=True)
class IssueFilter:
    round_id: int | None = None
    status: str | None = None
    department_id: int | None = None
    region_id: int | None = None
    category: str | None = None
    overdue: bool = False
    cluster_id: int | None = None


def visible(user: User, chosen: IssueFilter, *, now: datetime | None = None, limit: int = 200,
            offset: int = 0) -> tuple[list[Issue], int]:
    """Issues this user may see that match the filter, most urgent first, with the total count."""
    now = now or utcnow()
    query = select(Issue)
    if user.role == "department":
        query = query.where(Issue.department_id == user.department_id, Issue.status != "new")
    for column, value in ((Issue.round_id, chosen.round_id), (Issue.status, chosen.status),
                          (Issue.department_id, chosen.department_id), (Issue.region_id, chosen.region_id),
                          (Issue.category, chosen.category), (Issue.cluster_id, chosen.cluster_id)):
        if value not in (None, ""):
            query = query.where(column == value)
    if chosen.overdue:
        query = query.where(Issue.status.in_(workflow.WORKING), Issue.deadline < now)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Issue.deadline.is_(None), Issue.deadline, Issue.id)
                              .limit(limit).offset(offset)).all()
    return list(rows), total or 0


def overdue(issue: Issue, now: datetime | None = None) -> bool:
    return issue.status in workflow.WORKING and issue.deadline is not None and issue.deadline < (now or utcnow())


def counts_by_status(user: User, round_id: int | None = None, *, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    query = select(Issue.status, func.count()).group_by(Issue.status)
    late = select(func.count()).select_from(Issue).where(Issue.status.in_(workflow.WORKING), Issue.deadline < now)
    if user.role == "department":
        query = query.where(Issue.department_id == user.department_id)
        late = late.where(Issue.department_id == user.department_id)
    if round_id:
        query, late = query.where(Issue.round_id == round_id), late.where(Issue.round_id == round_id)
    counts = dict(db.session.execute(query).all())
    counts["overdue"] = db.session.scalar(late) or 0
    return counts


def largest_clusters(round_id: int, *, limit: int = 10, user: User | None = None) -> list[IssueCluster]:
    query = select(IssueCluster).where(IssueCluster.round_id == round_id)
    if user is not None and user.role == "department":
        query = query.where(IssueCluster.id.in_(select(Issue.cluster_id).where(
            Issue.department_id == user.department_id)))
    return list(db.session.scalars(query.order_by(IssueCluster.size.desc(), IssueCluster.id).limit(limit)))


def state_of(issue: Issue) -> IssueState:
    return IssueState(status=issue.status, department_id=issue.department_id, assigned_at=issue.assigned_at,
                      recontact=issue.recontact, callback_solved=issue.callback_solved)


def actor_of(user: User | None) -> Actor:
    if user is None:
        return Actor(SYSTEM)
    return Actor(user.role, user.department_id)


def next_steps(issue: Issue, user: User) -> list[tuple[str, workflow.Transition]]:
    # Call-backs and spot checks have pages of their own: the issue page offers the rest, the way
    # forward first and sending it back (return, reopen) last.
    steps = [(to, t) for to, t in workflow.next_steps(state_of(issue), actor_of(user))
             if (issue.status, to) not in (("awaiting_callback", "reviewed"), ("spot_check", "verified"))]
    return sorted(steps, key=lambda step: step[0] in ("returned", "reopened"))


# --- moving -----------------------------------------------------------------------------------------

def move(issue_id: int, to: str, *, by: User | None, change: Change | None = None, now: datetime | None = None,
         attachments: Iterable[tuple[str, str, bytes]] = (), system: bool = False) -> Issue:
    """Move an issue if the table allows it, with what follows by itself; one transaction."""
    now = now or utcnow()
    issue = load(issue_id, None if system else by)
    event = apply_change(issue, to, actor=by, change=change or Change(), now=now, system=system)
    for name, content_type, data in attachments:
        _attach(issue, event, name, content_type, data, by)
    db.session.commit()
    return issue


def apply_change(issue: Issue, to: str, *, actor: User | None, change: Change, now: datetime,
           system: bool = False) -> IssueEvent:
    who = Actor(SYSTEM) if system else actor_of(actor)
    transition = workflow.check(state_of(issue), to, who, change, now)
    before = issue.status
    note = change.reason.strip() or change.evidence.strip()
    details: dict[str, Any] = {}
    if to == "assigned":
        issue.department_id, issue.urgency = change.department_id, change.urgency
        issue.assigned_at = now
        details = {"department_id": change.department_id, "urgency": change.urgency}
    if transition.new_deadline:
        issue.deadline = deadline_for(now, issue.urgency)
        details["deadline"] = issue.deadline.isoformat()
    if to == "rectified":
        issue.evidence, issue.rectified_at = change.evidence.strip(), now
        issue.callback_solved = issue.callback_satisfied = None
    if to == "reopened":
        issue.reopened += 1
    if to == "closed":
        issue.closed_at = now
    if before == "awaiting_callback" and to == "reviewed":
        issue.callback_solved = None if change.unreachable else change.solved
        issue.callback_satisfied = None if change.unreachable else change.satisfied
        details = {"solved": issue.callback_solved, "satisfied": issue.callback_satisfied,
                   "unreachable": change.unreachable}
    issue.status = to
    event = IssueEvent(issue_id=issue.id, at=now, user_id=actor.id if actor and not system else None,
                       actor=SYSTEM if system or actor is None else actor.username, from_status=before,
                       to_status=to, note=note, details=details)
    db.session.add(event)
    db.session.flush()
    _follow(issue, to, now)
    return event


def _follow(issue: Issue, to: str, now: datetime) -> None:
    """What happens by itself after a change (the table's "system" rows)."""
    if to == "rectified":
        if issue.recontact:
            apply_change(issue, "awaiting_callback", actor=None, change=Change(), now=now, system=True)
            db.session.add(Callback(issue_id=issue.id, round_id=issue.round_id, interview_id=issue.interview_id,
                                    due_at=now + CALLBACK_WITHIN, created_at=now))
        else:
            apply_change(issue, "reviewed", actor=None, change=Change(), now=now, system=True)
    elif to == "reviewed" and issue.callback_solved is False:
        if "callback_not_solved" not in issue.doubtful:
            issue.doubtful = [*issue.doubtful, "callback_not_solved"]
        apply_change(issue, "reopened", actor=None, change=Change(reason=N_("call-back: the problem is not solved")),
               now=now, system=True)


def _attach(issue: Issue, event: IssueEvent, name: str, content_type: str, data: bytes, by: User | None) -> None:
    if not data:
        return
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise ValidationError(N_("attachment %(name)s is larger than 5 MB"), params={"name": name},
                              details=[{"field": "attachments", "message": f"{name}: larger than 5 MB"}])
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationError(N_("attachment %(name)s is not a photo, PDF or text file"), params={"name": name},
                              details=[{"field": "attachments", "message": f"{name}: type {content_type}"}])
    db.session.add(IssueAttachment(issue_id=issue.id, event_id=event.id, filename=name[:255],
                                   content_type=content_type, size=len(data), data=data,
                                   uploaded_by_id=by.id if by else None))


def attachment(issue_id: int, attachment_id: int, user: User) -> IssueAttachment:
    issue = load(issue_id, user)
    found = db.session.get(IssueAttachment, attachment_id)
    if found is None or found.issue_id != issue.id:
        raise NotFound(N_("no such attachment"))
    return found


# --- call-backs (回访) -------------------------------------------------------------------------------

def open_callbacks(round_id: int | None = None) -> list[Callback]:
    query = select(Callback).where(Callback.status == "open")
    if round_id:
        query = query.where(Callback.round_id == round_id)
    return list(db.session.scalars(query.order_by(Callback.due_at, Callback.id)))


def callback(callback_id: int) -> Callback:
    found = db.session.get(Callback, callback_id)
    if found is None:
        raise NotFound(N_("no such call-back"))
    return found


def callback_phone(callback_id: int, caller: User, *, masked: bool = True) -> str | None:
    """The respondent's number: masked for the list, in clear for the caller making the call (audited). Once the
    number is erased after its retention period: None masked, :class:`Gone` in clear (nothing revealed, not audited)."""
    found = callback(callback_id)
    if found.status != "open":
        raise InvalidState(N_("this call-back is already done"))
    if masked and retention.interview_phone_erased(found.interview_id):
        return None
    clear = vault().decrypt(retention.interview_phone(found.interview_id))
    if masked:
        return mask(clear)
    audit.record("callback.phone_revealed", actor=caller, target=found)
    db.session.commit()
    return clear


def record_callback(callback_id: int, caller: User, *, solved: bool | None, satisfied: bool | None,
                    unreachable: bool = False, note: str = "", now: datetime | None = None) -> Issue:
    """The call-back's outcome: the issue is reviewed, and reopened at once when it is not solved."""
    now = now or utcnow()
    found = callback(callback_id)
    if found.status != "open":
        raise InvalidState(N_("this call-back is already done"))
    issue = db.session.get(Issue, found.issue_id)
    change = Change(solved=solved, satisfied=satisfied, unreachable=unreachable, reason=note)
    apply_change(issue, "reviewed", actor=caller, change=change, now=now)
    found.status, found.caller_id, found.done_at = "done", caller.id, now
    found.solved, found.satisfied, found.unreachable = issue.callback_solved, issue.callback_satisfied, unreachable
    found.note = note.strip()[:2000]
    db.session.commit()
    return issue


# --- keyword rules (edited by coordinators) ---------------------------------------------------------

def rules() -> list[IssueRule]:
    return list(db.session.scalars(select(IssueRule).order_by(IssueRule.position, IssueRule.id)))


def save_rule(rule_id: int | None, *, keywords: str, category: str, department_id: int | None,
              urgency: str | None, indicator_id: int | None, position: int, active: bool, auto_assign: bool,
              by: User) -> IssueRule:
    problems = []
    try:
        words = routing.parse_keywords(keywords)
    except ValidationError as exc:
        problems += exc.details or [{"field": "keywords", "message": exc.message}]
        words = ()
    category = (category or "").strip()
    if not category or len(category) > 60:
        problems.append({"field": "category", "message": "1 to 60 characters"})
    if urgency not in (None, "", *workflow.URGENCIES):
        problems.append({"field": "urgency", "message": "one of " + ", ".join(workflow.URGENCIES)})
    if department_id is not None and db.session.get(Department, department_id) is None:
        problems.append({"field": "department_id", "message": "unknown department"})
    if indicator_id is not None and db.session.get(Indicator, indicator_id) is None:
        problems.append({"field": "indicator_id", "message": "unknown indicator"})
    if auto_assign and department_id is None:
        problems.append({"field": "auto_assign", "message": "an automatic assignment needs a department"})
    if problems:
        raise ValidationError(N_("the rule has problems: see the fields"), details=problems)
    rule = db.session.get(IssueRule, rule_id) if rule_id else IssueRule()
    if rule is None:
        raise NotFound(N_("no such rule"))
    rule.keywords, rule.category, rule.department_id = list(words), category, department_id
    rule.urgency, rule.indicator_id, rule.position = urgency or None, indicator_id, position
    rule.active, rule.auto_assign, rule.updated_at, rule.updated_by_id = active, auto_assign, utcnow(), by.id
    db.session.add(rule)
    db.session.flush()
    audit.record("issue_rule.saved", actor=by, target=rule, keywords=list(words), category=category)
    db.session.commit()
    return rule


def delete_rule(rule_id: int, *, by: User) -> None:
    rule = db.session.get(IssueRule, rule_id)
    if rule is None:
        raise NotFound(N_("no such rule"))
    audit.record("issue_rule.deleted", actor=by, target=rule, keywords=rule.keywords, category=rule.category)
    db.session.delete(rule)
    db.session.commit()


def install_default_rules() -> int:
    """The default keyword rules (demo and first start), once."""
    if db.session.scalar(select(func.count()).select_from(IssueRule)):
        return 0
    departments = dict(db.session.execute(select(Department.code, Department.id)).all())
    indicators = dict(db.session.execute(select(Indicator.code, Indicator.id)).all())
    for position, rule in enumerate(routing.DEFAULT_RULES):
        db.session.add(IssueRule(position=position, keywords=list(rule.keywords), category=rule.category,
                                 department_id=departments.get(rule.department), urgency=rule.urgency,
                                 indicator_id=indicators.get(rule.indicator)))
    db.session.flush()
    return len(routing.DEFAULT_RULES)


def attachments_of(issue: Issue) -> list[IssueAttachment]:
    """The issue's attachments without loading their bytes."""
    from sqlalchemy.orm import defer

    return list(db.session.scalars(select(IssueAttachment).options(defer(IssueAttachment.data))
                                   .where(IssueAttachment.issue_id == issue.id).order_by(IssueAttachment.id)))
