"""A hostile node on loopback: serves forged node records and signs Beckn messages in others' names.

It is a tiny Starlette app run by uvicorn in a thread of the test process. Its key is its own;
every record it serves claims someone else's subscriber id (with that id's genuine URL, so only
the key gives it away, or with its own URL), and it can sign ``cancel`` / ``on_cancel`` as if it
were the victim. The attack suite (tests/e2e/test_attacks.py) points real nodes at it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.support.processes import free_port

from duijie.protocol.context import format_timestamp
from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey
from duijie.protocol.outbound import build_signed_request
from duijie.protocol.records import NodeRecord, ProviderEntry, RecordKey, sign_record
from duijie.protocol.signed_catalogs import catalog_digest
from duijie.services.discovery import sign_record_bytes

DEMO = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data" / "chuanshan.json"


@dataclass
class Victim:
    """An identity the hostile node claims: its id, genuine base URL and genuine key id."""

    subscriber_id: str
    base: str
    unique_key_id: str


@dataclass
class Hostile:
    """The attacker: one signing key, a forged listing, and the records it currently serves."""

    port: int = field(default_factory=free_port)
    key: SigningKey = field(default_factory=SigningKey.generate)
    records: list[dict[str, Any]] = field(default_factory=list)
    asked: int = 0
    received: list[str] = field(default_factory=list)
    server: uvicorn.Server | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def listing(self) -> dict[str, Any]:
        """The restaurant's listing at giveaway prices: what a forged catalog would advertise."""
        doc: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
        for item in doc["catalog"]["items"]:
            item["price"]["amount"] = "0.01"
        return doc

    def keys_as(self, victim: Victim, ukid: str) -> NodeKeys:
        now = datetime.now(UTC)
        return NodeKeys(victim.subscriber_id, ukid, self.key, EncryptionKey.generate(), now - timedelta(days=1),
                        now + timedelta(days=365 * 70))

    def forge(self, victim: Victim, *, same_key_id: bool, bound: bool, sequence: int = 2,
              expires_at: datetime | None = None) -> dict[str, Any]:
        """A record for ``victim`` signed by the hostile key; ``bound`` keeps the victim's own URL."""
        now = datetime.now(UTC)
        ukid = victim.unique_key_id if same_key_id else f"hostile-{uuid.uuid4().hex[:8]}"
        base = victim.base if bound else self.base
        record = NodeRecord(
            subscriber_id=victim.subscriber_id, url=f"{base}/beckn", peer_url=base, roles=("BPP", "BAP"),
            keys=(RecordKey(ukid, self.key.public_key_base64(), None, now - timedelta(days=1),
                            expires_at or now + timedelta(days=30)),),
            domains=("*",), location=(38.9, -77.0),
            providers=(ProviderEntry("chuanshan", catalog_digest(self.listing()), 99),),
            issued_at=now, expires_at=expires_at or now + timedelta(hours=1), sequence=sequence,
        )
        return sign_record(record, self.key, ukid).to_dict()

    def signed(self, victim: Victim, ukid: str, action: str, context: dict[str, Any],
               message: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """A Beckn request in ``victim``'s name, signed with the hostile key under ``ukid``."""
        doc = {"context": {"domain": "food", "action": action, "version": "1.1.0", "message_id": str(uuid.uuid4()),
                           "timestamp": format_timestamp(datetime.now(UTC)), "ttl": "PT30S", **context},
               "message": message}
        return build_signed_request(doc, self.keys_as(victim, ukid), datetime.now(UTC))

    def app(self) -> Starlette:
        async def records(request: Request) -> JSONResponse:
            self.asked += 1
            return JSONResponse({"records": self.records, "next": str(len(self.records)), "more": False})

        async def own(request: Request) -> JSONResponse:
            return JSONResponse(self.records[0] if self.records else {})

        async def catalog(request: Request) -> JSONResponse:
            listing = self.listing()
            keys = self.keys_as(Victim("x", self.base, "x"), "x")
            return JSONResponse({"format": "duijie.signed-catalog/1", "subscriber_id": "x",
                                 "provider_id": "chuanshan", "version": 99, "listing": listing,
                                 "signature": sign_record_bytes(keys, listing).to_dict()})

        async def beckn(request: Request) -> JSONResponse:
            self.received.append(request.path_params["action"])
            return JSONResponse({"message": {"ack": {"status": "ACK"}}})

        return Starlette(routes=[
            Route("/peers/records", records, methods=["GET", "POST"]),
            Route("/peers/self", own, methods=["GET", "POST"]),
            Route("/peers/catalogs/{pid}", catalog, methods=["GET", "POST"]),
            Route("/beckn/{action}", beckn, methods=["POST"]),
        ])

    def start(self) -> Hostile:
        self.server = uvicorn.Server(uvicorn.Config(self.app(), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        threading.Thread(target=self.server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
