"""Job applications: an applicant applying to an employer's posting, and the stages it goes through.

Stages: RECEIVED → SCREENING → INTERVIEW → OFFER, or REJECTED; WITHDRAWN by the applicant.
The rules (each enforced here, with an :class:`ApplicationError` naming it):

- only the employer moves an application, and only forward (a stage may be skipped, e.g. an
  invitation straight to interview) or to REJECTED; never back, never out of a final stage;
- only the applicant (the node that sent it) withdraws, from any stage but a final one;
- an application needs a posting with an opening left: openings are filled by offers, so a
  posting with as many offers as openings takes no more applications and makes no more offers;
- the applicant gives a name and a way to be reached (phone or email); languages, experience,
  availability and a résumé link (http or https) are optional, each of bounded length.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from duijie.domain.jobs import JobPosting

MAX_NAME = 200
MAX_TEXT = 1000
MAX_LANGUAGES = 10


class Stage(StrEnum):
    """Where an application stands."""

    RECEIVED = "RECEIVED"
    SCREENING = "SCREENING"
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"

    @property
    def final(self) -> bool:
        """OFFER, REJECTED and WITHDRAWN end the employer's part (an offer may still be withdrawn from)."""
        return self in FINAL_FOR_EMPLOYER


FORWARD = (Stage.RECEIVED, Stage.SCREENING, Stage.INTERVIEW, Stage.OFFER)
"""The employer's stages in order; a move goes right (or to REJECTED)."""
FINAL_FOR_EMPLOYER = frozenset({Stage.OFFER, Stage.REJECTED, Stage.WITHDRAWN})
CLOSED = frozenset({Stage.REJECTED, Stage.WITHDRAWN})
"""No one changes an application in these stages."""


class ApplicationRule(StrEnum):
    """The rule an application or a change broke."""

    NO_SUCH_POSTING = "no_such_posting"
    NO_OPENINGS = "no_openings"
    APPLICANT = "applicant"
    NOT_FORWARD = "not_forward"
    CLOSED = "closed"
    NOT_APPLICANT = "not_applicant"


class ApplicationError(Exception):
    """An application rule refused an operation; ``rule`` says which, ``field`` where when known."""

    def __init__(self, rule: ApplicationRule, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who applies and how to reach them. Seen by the employer only."""

    name: str
    phone: str | None = None
    email: str | None = None
    languages: tuple[str, ...] = ()
    experience: str | None = None
    availability: str | None = None
    resume_url: str | None = None

    def problems(self) -> list[tuple[str, str]]:
        """``(field, reason)`` for every applicant rule broken (empty when sound)."""
        out: list[tuple[str, str]] = []
        if not self.name.strip():
            out.append(("name", "the applicant's name is required"))
        elif len(self.name) > MAX_NAME:
            out.append(("name", f"at most {MAX_NAME} characters"))
        if not (self.phone or "").strip() and not (self.email or "").strip():
            out.append(("contact", "a phone number or an email address is required"))
        if self.phone and not all(c.isdigit() or c in "+-() ." for c in self.phone):
            out.append(("phone", "must be a phone number (digits, spaces and + - ( ) .)"))
        if self.email and ("@" not in self.email or len(self.email) > MAX_NAME):
            out.append(("email", "must be an email address"))
        if len(self.languages) > MAX_LANGUAGES or any(not 2 <= len(x) <= 35 for x in self.languages):
            out.append(("languages", f"up to {MAX_LANGUAGES} language codes such as en, zh"))
        for field, text in (("experience", self.experience), ("availability", self.availability)):
            if text is not None and len(text) > MAX_TEXT:
                out.append((field, f"at most {MAX_TEXT} characters"))
        if self.resume_url is not None and (
            not self.resume_url.startswith(("http://", "https://")) or len(self.resume_url) > MAX_TEXT
        ):
            out.append(("resume", "must be an http(s) link"))
        return out


@dataclass(frozen=True, slots=True)
class StageChange:
    """One step of an application's history: the stage it entered, when, and who moved it."""

    stage: Stage
    at: datetime
    by: str  # "applicant" or "employer"


def openings_left(posting: JobPosting, offers_made: int) -> int:
    """Rule: openings are filled by offers; what is left is never negative."""
    return max(posting.openings - offers_made, 0)


def admit(posting: JobPosting | None, posting_id: str, provider_id: str, offers_made: int) -> JobPosting:
    """Rule: an application needs a posting that exists and has an opening left. Returns it."""
    if posting is None:
        raise ApplicationError(ApplicationRule.NO_SUCH_POSTING, f"no job posting {posting_id!r} at {provider_id}",
                               "item")
    if openings_left(posting, offers_made) <= 0:
        raise ApplicationError(ApplicationRule.NO_OPENINGS,
                               f"the posting {posting.id!r} has no openings left ({posting.openings} filled)", "item")
    return posting


def check_applicant(applicant: Applicant) -> None:
    """Rule: the applicant's details are sound (see :meth:`Applicant.problems`); every problem is named."""
    problems = applicant.problems()
    if problems:
        field, reason = problems[0]
        detail = "; ".join(f"{f}: {r}" for f, r in problems)
        raise ApplicationError(ApplicationRule.APPLICANT, detail if len(problems) > 1 else f"{field}: {reason}",
                               field)


@dataclass(frozen=True, slots=True)
class Application:
    """An application to ``posting_id`` of ``provider_id``, sent by the node ``bap_id``."""

    id: str
    provider_id: str
    posting_id: str
    bap_id: str
    transaction_id: str
    applicant: Applicant
    stage: Stage
    created_at: datetime
    updated_at: datetime
    history: tuple[StageChange, ...] = ()

    @classmethod
    def receive(cls, *, id: str, provider_id: str, posting: JobPosting | None, posting_id: str, bap_id: str,
                transaction_id: str, applicant: Applicant, offers_made: int, now: datetime) -> Application:
        """A new application, RECEIVED. Rules: the posting exists, has an opening left, and the
        applicant's details are sound."""
        posting = admit(posting, posting_id, provider_id, offers_made)
        check_applicant(applicant)
        return cls(id, provider_id, posting.id, bap_id, transaction_id, applicant, Stage.RECEIVED, now, now,
                   (StageChange(Stage.RECEIVED, now, "applicant"),))

    def move(self, to: Stage, now: datetime, *, openings_left: int | None = None) -> Application:
        """The employer moves the application. Rules: forward or to REJECTED only, never out of a
        final stage, never to WITHDRAWN; an OFFER needs an opening left (``openings_left``)."""
        if self.stage.final:
            raise ApplicationError(ApplicationRule.CLOSED, f"the application is {self.stage.value}: it cannot move")
        if to is Stage.WITHDRAWN:
            raise ApplicationError(ApplicationRule.NOT_APPLICANT, "only the applicant withdraws an application")
        if to is not Stage.REJECTED and FORWARD.index(to) <= FORWARD.index(self.stage):
            raise ApplicationError(ApplicationRule.NOT_FORWARD,
                                   f"an application moves forward: {self.stage.value} cannot go to {to.value}")
        if to is Stage.OFFER and openings_left is not None and openings_left <= 0:
            raise ApplicationError(ApplicationRule.NO_OPENINGS,
                                   f"the posting {self.posting_id!r} has no openings left for an offer")
        return self._to(to, now, "employer")

    def withdraw(self, by_bap_id: str, now: datetime) -> Application:
        """The applicant withdraws. Rules: only the node that applied, and not once closed."""
        if by_bap_id != self.bap_id:
            raise ApplicationError(ApplicationRule.NOT_APPLICANT, "only the applicant can withdraw this application")
        if self.stage in CLOSED:
            raise ApplicationError(ApplicationRule.CLOSED, f"the application is already {self.stage.value}")
        return self._to(Stage.WITHDRAWN, now, "applicant")

    def _to(self, stage: Stage, now: datetime, by: str) -> Application:
        return replace(self, stage=stage, updated_at=now, history=(*self.history, StageChange(stage, now, by)))
