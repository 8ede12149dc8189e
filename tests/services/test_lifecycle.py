"""The round lifecycle: guarded transitions, refused with a reason, each one audited."""

from __future__ import annotations

import pytest

from survey.errors import InvalidState, ValidationError
from survey.services import lifecycle, questionnaires, rounds

from ..conftest import make_user
from .test_rounds import DESIGN, frame  # noqa: F401  (the frame fixture)


@pytest.fixture
def coordinator(db):
    return make_user("coordinator")


@pytest.fixture
def demo_version(frame):  # noqa: F811 — load_demo (in frame) loads the frozen default questionnaire
    return questionnaires.list_questionnaires()[0]


@pytest.fixture
def sampled(frame, coordinator):  # noqa: F811
    round_ = rounds.create_round("第一轮", frame.id, DESIGN, by=coordinator)
    rounds.draw(round_.id, seed=5)
    return round_


def test_fieldwork_needs_a_sample(frame, coordinator, demo_version):  # noqa: F811
    round_ = rounds.create_round("草稿", frame.id, DESIGN, by=coordinator, questionnaire_id=demo_version.id)
    with pytest.raises(InvalidState, match="is draft: it cannot go to fielding"):
        lifecycle.change_status(round_.id, "fielding", by=coordinator)


def test_fieldwork_needs_a_questionnaire(sampled, coordinator):
    with pytest.raises(InvalidState, match="no questionnaire: choose one first"):
        lifecycle.change_status(sampled.id, "fielding", by=coordinator)


def test_fieldwork_needs_a_frozen_questionnaire(sampled, coordinator, demo_version):
    draft = questionnaires.new_version(demo_version.id, by=coordinator)
    rounds.set_questionnaire(sampled.id, draft.id, by=coordinator)
    with pytest.raises(InvalidState, match=f"{draft.label} is still a draft: freeze it first"):
        lifecycle.change_status(sampled.id, "fielding", by=coordinator)


def test_the_whole_life_of_a_round_is_recorded(sampled, coordinator, demo_version):
    rounds.set_questionnaire(sampled.id, demo_version.id, by=coordinator)
    lifecycle.change_status(sampled.id, "fielding", by=coordinator)
    started = sampled.fielding_at
    assert started is not None
    lifecycle.change_status(sampled.id, "closed", by=coordinator)
    with pytest.raises(ValidationError, match="give a reason"):
        lifecycle.change_status(sampled.id, "fielding", by=coordinator, reason="  ")
    lifecycle.change_status(sampled.id, "fielding", by=coordinator, reason="城南区样本不足，补充访问")
    assert sampled.fielding_at == started  # the first start is kept; the reopening is in the history
    assert sampled.closed_at is None
    lifecycle.change_status(sampled.id, "closed", by=coordinator)
    lifecycle.change_status(sampled.id, "reported", by=coordinator)
    history = [(e.details["before"], e.details["after"], e.details.get("reason"), e.actor)
               for e in lifecycle.history(sampled)]
    assert history == [
        ("draft", "sampling", None, "system"),
        ("sampling", "sampled", None, "system"),
        ("sampled", "fielding", None, coordinator.username),
        ("fielding", "closed", None, coordinator.username),
        ("closed", "fielding", "城南区样本不足，补充访问", coordinator.username),
        ("fielding", "closed", None, coordinator.username),
        ("closed", "reported", None, coordinator.username),
    ]
    with pytest.raises(InvalidState, match="is reported: it cannot go to fielding"):
        lifecycle.change_status(sampled.id, "fielding", by=coordinator, reason="again")


@pytest.mark.parametrize("to", ["draft", "sampling", "sampled", "closed", "reported", "nonsense"])
def test_every_illegal_change_from_sampled_is_refused_with_a_reason(sampled, coordinator, to):
    with pytest.raises(InvalidState) as raised:
        lifecycle.change_status(sampled.id, to, by=coordinator)
    assert sampled.status == "sampled"
    assert "cannot go to" in raised.value.message or "by itself" in raised.value.message


def test_the_questionnaire_is_fixed_once_fieldwork_starts(sampled, coordinator, demo_version):
    rounds.set_questionnaire(sampled.id, demo_version.id, by=coordinator)
    lifecycle.change_status(sampled.id, "fielding", by=coordinator)
    with pytest.raises(InvalidState, match="can no longer change"):
        rounds.set_questionnaire(sampled.id, demo_version.id, by=coordinator)


def test_a_new_round_from_the_previous_copies_design_and_questionnaire(sampled, coordinator, demo_version):
    rounds.set_questionnaire(sampled.id, demo_version.id, by=coordinator)
    copy = rounds.copy_round(sampled.id, "第二轮", by=coordinator)
    assert (copy.status, copy.frame_id, copy.design, copy.questionnaire_id, copy.previous_id) == \
        ("draft", sampled.frame_id, sampled.design, demo_version.id, sampled.id)
    assert copy.seed is None and not copy.strata


def test_next_steps_offer_only_what_a_coordinator_may_do(sampled):
    assert [to for to, _ in lifecycle.next_steps(sampled)] == ["fielding"]
