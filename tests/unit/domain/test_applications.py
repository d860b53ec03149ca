"""Job application rules: stages move forward (or to rejected), only the applicant withdraws,
offers fill openings, and the applicant's details are checked field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from duijie.domain.applications import (
    Applicant,
    Application,
    ApplicationError,
    ApplicationRule,
    Stage,
    openings_left,
)
from duijie.domain.jobs import EmploymentType, JobPosting
from duijie.domain.text import LocalText

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CASHIER = JobPosting("cashier", LocalText("收银员", "Cashier"), EmploymentType.FULL_TIME, openings=2)
LI = Applicant("李明", phone="+1-202-555-0142", languages=("en", "zh"))


def received(offers: int = 0, posting: JobPosting | None = CASHIER) -> Application:
    return Application.receive(id="A-1", provider_id="chuanshan", posting=posting, posting_id="cashier",
                               bap_id="diner.test", transaction_id="tx-1", applicant=LI, offers_made=offers, now=NOW)


def rule_of(exc: pytest.ExceptionInfo[ApplicationError]) -> ApplicationRule:
    return exc.value.rule


def test_a_new_application_is_received_with_its_history() -> None:
    app = received()
    assert app.stage is Stage.RECEIVED and [h.stage for h in app.history] == [Stage.RECEIVED]


def test_an_application_to_a_posting_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ApplicationError) as exc:
        received(posting=None)
    assert rule_of(exc) is ApplicationRule.NO_SUCH_POSTING and "cashier" in exc.value.message


def test_offers_fill_openings_and_a_full_posting_takes_no_application() -> None:
    assert openings_left(CASHIER, 1) == 1 and openings_left(CASHIER, 5) == 0
    with pytest.raises(ApplicationError) as exc:
        received(offers=2)
    assert rule_of(exc) is ApplicationRule.NO_OPENINGS


@pytest.mark.parametrize(("applicant", "field"), [
    (Applicant(" ", phone="+1 202 555 0100"), "name"),
    (Applicant("Li", phone=None, email=None), "contact"),
    (Applicant("Li", phone="call me maybe"), "phone"),
    (Applicant("Li", email="not-an-address"), "email"),
    (Applicant("Li", phone="1", resume_url="ftp://x/cv.pdf"), "resume"),
    (Applicant("Li", phone="1", languages=("e",)), "languages"),
    (Applicant("Li", phone="1", experience="x" * 1001), "experience"),
])
def test_the_applicant_rules_name_the_field(applicant: Applicant, field: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        Application.receive(id="A", provider_id="p", posting=CASHIER, posting_id="cashier", bap_id="b",
                            transaction_id="t", applicant=applicant, offers_made=0, now=NOW)
    assert rule_of(exc) is ApplicationRule.APPLICANT and exc.value.field == field and field in exc.value.message


def test_the_employer_moves_forward_and_may_skip_to_interview() -> None:
    later = NOW + timedelta(hours=1)
    app = received().move(Stage.INTERVIEW, later)
    assert app.stage is Stage.INTERVIEW and app.updated_at == later and app.history[-1].by == "employer"
    assert app.move(Stage.OFFER, later, openings_left=1).stage is Stage.OFFER


@pytest.mark.parametrize(("start", "to", "rule"), [
    (Stage.INTERVIEW, Stage.SCREENING, ApplicationRule.NOT_FORWARD),
    (Stage.SCREENING, Stage.RECEIVED, ApplicationRule.NOT_FORWARD),
    (Stage.SCREENING, Stage.SCREENING, ApplicationRule.NOT_FORWARD),
    (Stage.SCREENING, Stage.WITHDRAWN, ApplicationRule.NOT_APPLICANT),
    (Stage.REJECTED, Stage.INTERVIEW, ApplicationRule.CLOSED),
    (Stage.OFFER, Stage.REJECTED, ApplicationRule.CLOSED),
])
def test_the_employer_never_moves_back_nor_out_of_a_final_stage(start: Stage, to: Stage,
                                                                rule: ApplicationRule) -> None:
    app = received() if start is Stage.RECEIVED else received().move(start, NOW, openings_left=1)
    with pytest.raises(ApplicationError) as exc:
        app.move(to, NOW)
    assert rule_of(exc) is rule


def test_an_offer_needs_an_opening_left() -> None:
    with pytest.raises(ApplicationError) as exc:
        received().move(Stage.OFFER, NOW, openings_left=0)
    assert rule_of(exc) is ApplicationRule.NO_OPENINGS


def test_rejection_is_possible_from_any_open_stage() -> None:
    assert received().move(Stage.REJECTED, NOW).stage is Stage.REJECTED
    assert received().move(Stage.INTERVIEW, NOW).move(Stage.REJECTED, NOW).stage is Stage.REJECTED


def test_only_the_applicant_withdraws_even_after_an_offer() -> None:
    offered = received().move(Stage.OFFER, NOW, openings_left=1)
    with pytest.raises(ApplicationError) as exc:
        offered.withdraw("someone-else.test", NOW)
    assert rule_of(exc) is ApplicationRule.NOT_APPLICANT
    withdrawn = offered.withdraw("diner.test", NOW)
    assert withdrawn.stage is Stage.WITHDRAWN and withdrawn.history[-1].by == "applicant"
    with pytest.raises(ApplicationError) as again:
        withdrawn.withdraw("diner.test", NOW)
    assert rule_of(again) is ApplicationRule.CLOSED
