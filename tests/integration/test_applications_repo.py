"""The job applications repository on SQLite and PostgreSQL: one application per transaction (a
twin inserts nothing, and on PostgreSQL the transaction goes on), offers counted per posting,
lists by stage, and a document that reads back equal."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Engine

from duijie.domain.applications import Applicant, Application, ApplicationError, Stage
from duijie.domain.jobs import EmploymentType, JobPosting
from duijie.domain.text import LocalText
from duijie.services.trade.jobs.applications import openings
from duijie.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CASHIER = JobPosting("cashier", LocalText("收银员", "Cashier"), EmploymentType.FULL_TIME, openings=3)
LI = Applicant("李明", phone="+1-202-555-0142", email="li@example.org", languages=("en", "zh"),
               experience="3 years", availability="evenings", resume_url="https://example.org/cv.pdf")


def _app(n: int, tx: str | None = None) -> Application:
    return Application.receive(id=f"A-{n}", provider_id="chuanshan", posting=CASHIER, posting_id="cashier",
                               bap_id="diner.test", transaction_id=tx or f"tx-{n}", applicant=LI, offers_made=0,
                               now=NOW + timedelta(minutes=n))


def test_applications_round_trip_and_one_per_transaction(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        assert u.applications.add(_app(1), "http://diner.test/beckn", {"transaction_id": "tx-1"})
        assert not u.applications.add(_app(2, tx="tx-1"), "http://diner.test/beckn", {})  # the twin
        assert u.applications.add(_app(3), "http://diner.test/beckn", {"transaction_id": "tx-3"})
        u.commit()
    with uow() as u:
        stored = u.applications.get("A-1")
        assert stored is not None and stored.application == _app(1) and stored.context == {"transaction_id": "tx-1"}
        assert u.applications.get("A-2") is None
        found = u.applications.for_transaction("diner.test", "tx-3")
        assert found is not None and found.application.id == "A-3"
        u.applications.save(stored.application.move(Stage.OFFER, NOW, openings_left=3))
        u.commit()
    with uow(read_only=True) as u:
        assert u.applications.offers("chuanshan", "cashier") == 1
        assert u.applications.offers("chuanshan", "lobby-manager") == 0
        assert [s.application.id for s in u.applications.list()] == ["A-3", "A-1"]  # newest first
        assert [s.application.id for s in u.applications.list(stage=Stage.OFFER)] == ["A-1"]
        assert u.applications.list(provider_id="elsewhere") == []
        offered = u.applications.get("A-1")
        assert offered is not None and [h.stage for h in offered.application.history] == [Stage.RECEIVED, Stage.OFFER]


def test_two_offers_racing_for_the_last_opening_cannot_both_win(engine: Engine) -> None:
    one_opening = JobPosting("cashier", LocalText("收银员", "Cashier"), EmploymentType.FULL_TIME, openings=1)
    listing = SimpleNamespace(id="chuanshan")
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        for n in (1, 2):
            assert u.applications.add(_app(n), "http://diner.test/beckn", {})
        u.commit()
    counted = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}

    def offer(app_id: str) -> None:
        try:
            with uow() as u:
                stored = u.applications.get(app_id)
                assert stored is not None
                left = openings(u, listing, one_opening, for_update=True)  # type: ignore[arg-type]
                with contextlib.suppress(threading.BrokenBarrierError):
                    counted.wait(timeout=1)  # both counted before either commits, unless the lock held one back
                u.applications.save(stored.application.move(Stage.OFFER, NOW, openings_left=left))
                u.commit()
            outcomes[app_id] = "offer"
        except ApplicationError as exc:
            outcomes[app_id] = exc.rule.value

    threads = [threading.Thread(target=offer, args=(f"A-{n}",)) for n in (1, 2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert sorted(outcomes.values()) == ["no_openings", "offer"], outcomes
    with uow(read_only=True) as u:
        assert u.applications.offers("chuanshan", "cashier") == 1
