"""Apply for the cashier job between real node processes (issue 13, Jobs).

The restaurant imports the 川陕名吃 demo listing (hiring a cashier and a lobby manager); the
applicant's node is empty; an outside signed Beckn app plays a third party. Every callback the
applicant received, and every one the outside app received, validates against transaction.yaml.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.beckn_spec import spec_available, validate_message
from tests.support.networks import OutsideBap
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.outbound import build_signed_request

APPLICANT = ("--name", "李明 Li Ming", "--phone", "+1-202-555-0142", "--languages", "en,zh",
             "--experience", "3 years as a cashier", "--availability", "evenings and weekends",
             "--resume", "https://example.org/li-ming.pdf")
SECRETS = ("李明", "555-0142", "li-ming.pdf", "3 years as a cashier", "evenings and weekends")


@dataclass
class Hiring:
    employer: ServerProcess
    applicant: ServerProcess
    outside: OutsideBap

    @property
    def bpp(self) -> str:
        return f"{self.employer.base}/beckn"

    def run(self, node: ServerProcess, *args: str, ok: bool = True) -> Any:
        res = duijie(*args, "--data-dir", str(node.data_dir), "--json", timeout=120)
        if not ok:
            assert res.returncode != 0, res.stdout
            return res.stderr + res.stdout
        assert res.returncode == 0, f"duijie {args} failed:\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def api(self, node: ServerProcess, method: str, path: str, body: Any = None) -> httpx.Response:
        token = (node.data_dir / "admin-token").read_text().strip()
        return httpx.request(method, f"{node.base}{path}", json=body, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})

    def outside_request(self, action: str, message: dict[str, Any]) -> list[dict[str, Any]]:
        """A signed request from the outside app; returns the callbacks it got for it."""
        o = self.outside
        ctx = Context(domain="nic2004:55204", action=Action(action), bap_id=o.subscriber_id,
                      bap_uri=f"{o.base}/beckn", transaction_id=str(uuid.uuid4()), message_id=str(uuid.uuid4()),
                      timestamp=format_timestamp(datetime.now(UTC)), ttl="PT30S",
                      bpp_id=f"127.0.0.1:{self.employer.port}", bpp_uri=self.bpp)
        doc = {"context": ctx.to_dict(), "message": message}
        body, headers = build_signed_request(doc, o.keys, datetime.now(UTC), ttl_seconds=30)
        resp = httpx.post(f"{self.bpp}/{action}", content=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        return [r.doc for r in o.wait_for(ctx.message_id, 1, action=f"on_{action}")]


@pytest.fixture(scope="module")
def hiring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hiring]:
    root = tmp_path_factory.mktemp("jobs")
    ports = {"employer": free_port(), "applicant": free_port()}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "employer"), check=True)
    employer = ServerProcess(root / "employer", ports["employer"],
                             ["--registry", f"http://127.0.0.1:{ports['applicant']}/registry", "--log-level", "info"])
    applicant = ServerProcess(root / "applicant", ports["applicant"],
                              ["--registry", f"http://127.0.0.1:{ports['employer']}/registry"])
    with OutsideBap.running() as outside:
        try:
            employer.start(timeout=120)  # a loaded machine starts a node slowly
            applicant.start(timeout=120)
            yield Hiring(employer, applicant, outside)
        finally:
            applicant.stop()
            employer.stop()


def _valid(action: str, doc: dict[str, Any]) -> None:
    if spec_available():
        assert validate_message(action, doc) == [], (action, json.dumps(doc, ensure_ascii=False)[:2000])


def _no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


def _jobs(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for r in found["results"] for p in (r["catalog"] or {}).get("providers", [])
            for i in p.get("items", []) if i["id"].startswith("job-")]


def test_a_search_for_收银_or_cashier_finds_the_posting_with_its_phone_numbers(hiring: Hiring) -> None:
    for text in ("收银", "cashier"):
        found = hiring.run(hiring.applicant, "buy", "search", text, "--bpp", hiring.bpp)
        jobs = _jobs(found)
        assert [j["id"] for j in jobs] == ["job-cashier"], text
        cashier = jobs[0]
        assert cashier["quantity"]["available"]["count"] == 1
        for phone in ("+1-202-636-3588", "+1-202-534-1620", "+1-301-875-5144"):
            assert phone in cashier["descriptor"]["long_desc"]
        tags = {t["descriptor"]["code"]: t for t in cashier["tags"]}
        assert {"listing-details", "how-to-apply"} <= set(tags)
        for result in found["results"]:
            callbacks = hiring.api(hiring.applicant, "GET", f"/api/buy/transactions/{result['transaction_id']}")
            for cb in callbacks.json()["callbacks"]:
                _valid(cb["action"], cb["document"])
    assert _jobs(hiring.run(hiring.applicant, "buy", "search", "肉夹馍", "--bpp", hiring.bpp)) == []


def _wait_stage(hiring: Hiring, app_id: str, stage: str) -> dict[str, Any]:
    """The applicant node's record of the application once the employer's on_status set ``stage``."""
    deadline = time.monotonic() + 15
    while True:
        seen: dict[str, Any] = hiring.api(hiring.applicant, "GET", f"/api/buy/orders/{app_id}").json()
        if seen["fulfillment_state"] == stage or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


def test_apply_the_employer_moves_it_to_interview_the_applicant_sees_it_and_withdraws(hiring: Hiring) -> None:
    applied = hiring.run(hiring.applicant, "apply", "cashier", "--provider", "chuanshan", "--bpp", hiring.bpp,
                         *APPLICANT)
    app_id = applied["order_id"]
    assert applied["fulfillment_state"] == "RECEIVED" and applied["status"] == "ACTIVE"
    assert applied["receipt_state"] == "countersigned"
    inbox = hiring.run(hiring.employer, "applications", "list")
    assert [a["id"] for a in inbox] == [app_id]
    assert inbox[0]["applicant"]["name"] == "李明 Li Ming" and inbox[0]["applicant"]["languages"] == ["en", "zh"]

    moved = hiring.run(hiring.employer, "applications", "move", app_id, "interview")
    assert moved["stage"] == "INTERVIEW"
    assert _wait_stage(hiring, app_id, "INTERVIEW")["fulfillment_state"] == "INTERVIEW"  # unsolicited on_status
    assert hiring.run(hiring.applicant, "apply", "status", app_id)["fulfillment_state"] == "INTERVIEW"

    withdrawn = hiring.run(hiring.applicant, "apply", "withdraw", app_id)
    assert withdrawn["status"] == "CANCELLED" and withdrawn["fulfillment_state"] == "WITHDRAWN"
    assert hiring.run(hiring.employer, "applications", "show", app_id)["stage"] == "WITHDRAWN"
    refused = hiring.run(hiring.employer, "applications", "move", app_id, "offer", ok=False)
    assert "WITHDRAWN" in refused and "closed" in refused

    callbacks = hiring.api(hiring.applicant, "GET", f"/api/buy/transactions/{withdrawn['transaction_id']}")
    actions = [cb["action"] for cb in callbacks.json()["callbacks"]]
    assert {"on_select", "on_init", "on_confirm", "on_status", "on_cancel"} <= set(actions)
    for cb in callbacks.json()["callbacks"]:
        _valid(cb["action"], cb["document"])


def test_bad_applications_are_refused_naming_the_rule(hiring: Hiring) -> None:
    args = ("--provider", "chuanshan", "--bpp", hiring.bpp)
    missing = hiring.run(hiring.applicant, "apply", "astronaut", *args, *APPLICANT, ok=False)
    assert "no_such_posting" in missing and "astronaut" in missing
    no_contact = hiring.api(hiring.applicant, "POST", "/api/apply", {
        "bpp_uri": hiring.bpp, "provider_id": "chuanshan", "posting_id": "cashier", "applicant": {"name": "X"}})
    assert no_contact.status_code == 422 and "$.applicant.contact" in no_contact.text
    bad_resume = hiring.run(hiring.applicant, "apply", "cashier", *args, "--name", "Y", "--phone", "1",
                            "--resume", "file:///etc/passwd", ok=False)
    assert "resume" in bad_resume
    # The lobby manager's one opening goes to an offer; the next application is refused.
    first = hiring.run(hiring.applicant, "apply", "lobby-manager", *args, *APPLICANT)
    hiring.run(hiring.employer, "applications", "move", first["order_id"], "offer")
    full = hiring.run(hiring.applicant, "apply", "lobby-manager", *args, *APPLICANT, ok=False)
    assert "no_openings" in full  # the rule, plainly (the Beckn error code is for the logs)
    backwards = hiring.run(hiring.employer, "applications", "move", first["order_id"], "screening", ok=False)
    assert "OFFER" in backwards


def test_other_nodes_learn_nothing_of_an_applicant(hiring: Hiring) -> None:
    applied = hiring.run(hiring.applicant, "apply", "cashier", "--provider", "chuanshan", "--bpp", hiring.bpp,
                         *APPLICANT)
    app_id = applied["order_id"]
    for action, message in (("status", {"order_id": app_id}),
                            ("cancel", {"order_id": app_id, "cancellation_reason_id": "001"})):
        answers = hiring.outside_request(action, message)
        assert len(answers) == 1 and answers[0]["error"]["code"] == "30010", answers
        _valid(f"on_{action}", answers[0])
        _no_secrets(json.dumps(answers, ensure_ascii=False))
    assert hiring.run(hiring.employer, "applications", "show", app_id)["stage"] == "RECEIVED"  # nothing changed
    catalogs = hiring.outside_request("search", {"intent": {"item": {"descriptor": {"name": "cashier"}}}})
    assert catalogs and any(i["id"] == "job-cashier" for c in catalogs
                            for p in c["message"]["catalog"]["providers"] for i in p["items"])
    for doc in catalogs:
        _valid("on_search", doc)
    _no_secrets(json.dumps(catalogs, ensure_ascii=False))
    exported = duijie("provider", "export", "chuanshan", "--data-dir", str(hiring.employer.data_dir), check=True)
    _no_secrets(exported.stdout)
    listing = httpx.get(f"{hiring.employer.base}/api/providers/chuanshan", timeout=10).text
    _no_secrets(listing)
    log = hiring.employer.log.read_text(errors="replace")
    assert "refused" in log  # info-level lines are there (the outside app's refusals), and none names the applicant
    _no_secrets(log)
