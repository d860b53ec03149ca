"""Taking in node records from peers: each is a hint until it is confirmed (docs/TRUST.md).

A record is stored, and so re-served to other peers, only once
:func:`duijie.protocol.records.check_record` accepts it: its URLs are at the address its
subscriber id names, and its signing key is trusted for that id (already, by an endorsement of
a trusted key, or because a configured registry or the id's own lookup vouched for it just
now). Keys learned so go into the key table with their source. A URL a record names becomes a
peer to poll only when its identity was confirmed at that very address; otherwise it is a
candidate that must answer for itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.records import (
    Check,
    RecordFormatError,
    RecordVerdict,
    SignedRecord,
    check_record,
    record_from_dict,
)
from duijie.services.discovery_ports import (
    MAX_CANDIDATES,
    MAX_PEERS,
    DiscoveryUnitOfWork,
    DiscoveryUowFactory,
    PeerKind,
)
from duijie.services.key_authority import SELF_LOOKUP_SOURCE, Answer, is_trusted_source
from duijie.services.ports import Clock, KnownKey

log = logging.getLogger("duijie.discovery")

#: Asks who may speak for an identity (registries, then its own lookup) about (subscriber_id, unique_key_id).
Authority = Callable[[str, str], Awaitable[Answer]]


class RecordIntake:
    """Verifies records from peers and stores the confirmed, newer ones with their keys."""

    def __init__(self, uow: DiscoveryUowFactory, clock: Clock, own_id: str, own_peer_url: str,
                 authority: Authority | None, addresses: IdentityAddresses) -> None:
        self._uow = uow
        self._clock = clock
        self._own_id = own_id
        self._own_peer_url = own_peer_url
        self._authority = authority
        self.addresses = addresses

    async def accept(self, data: Any, *, full: bool = False) -> tuple[Check, SignedRecord | None]:
        """Verify one record and store it when it is sound and newer (``full``: check it even when
        it is not newer than the one held, as a candidate's own answer must be)."""
        return (await self.accept_page([data], full=full))[0]

    async def accept_page(self, items: list[Any], *, full: bool = False) -> list[tuple[Check, SignedRecord | None]]:
        """Verify a page of records; one read and one write transaction for the whole page.

        Each result is the check and the record when it was stored (None when refused, ours,
        or not newer than the one held).
        """
        results: list[tuple[Check, SignedRecord | None]] = [(Check(RecordVerdict.BAD_FORMAT, ""), None)] * len(items)
        parsed: list[tuple[int, SignedRecord]] = []
        for i, item in enumerate(items):
            try:
                parsed.append((i, record_from_dict(item)))
            except RecordFormatError as exc:
                results[i] = (Check(RecordVerdict.BAD_FORMAT, str(exc)), None)
        known = await asyncio.to_thread(lambda: [self._trusted(s) for _, s in parsed])
        accepted: list[tuple[SignedRecord, Check]] = []
        for (i, signed), (keys, seq) in zip(parsed, known, strict=True):
            check, fresh = await self._decide(signed, keys, seq, full)
            results[i] = (check, signed if fresh else None)
            if fresh:
                accepted.append((signed, check))
        if accepted:
            await asyncio.to_thread(self._store_all, accepted)
        return results

    async def _decide(self, signed: SignedRecord, trusted: dict[str, str], current_seq: int | None,
                      full: bool) -> tuple[Check, bool]:
        sid = signed.record.subscriber_id
        if sid == self._own_id:
            # Our own record coming back through a peer: nothing to learn (and never replaced).
            return Check(RecordVerdict.ACCEPTED, "own record"), False
        newer = current_seq is None or signed.record.sequence > current_seq
        if not newer and not full:
            # Only confirmed records are ever stored, so an older one cannot displace it: skip the work.
            return Check(RecordVerdict.ACCEPTED, "not newer"), False
        now = self._clock.now()
        check = check_record(signed, now, trusted, addresses=self.addresses)
        if check.verdict is RecordVerdict.KEY_NOT_TRUSTED and self._authority is not None:
            answer = await self._authority(sid, signed.signature.unique_key_id)
            check = check_record(signed, now, trusted, addresses=self.addresses, vouch=answer.vouch)
        if not check.accepted:
            log.warning("refused record for %s: %s", sid, check.reason)
        return check, check.accepted and newer

    def _trusted(self, signed: SignedRecord) -> tuple[dict[str, str], int | None]:
        """Keys trusted for the record's subscriber (unique_key_id → public key), and its stored sequence."""
        sid = signed.record.subscriber_id
        with self._uow(read_only=True) as uow:
            row = uow.node_records.get(sid)
            keys = {k.unique_key_id: k.signing_public_key for k in _held_keys(uow, signed).values()}
        return keys, (row.sequence if row is not None else None)

    def _store_all(self, records: list[tuple[SignedRecord, Check]]) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            for signed, check in records:
                self._store(uow, signed, check, now)
            uow.commit()

    def _store(self, uow: DiscoveryUnitOfWork, signed: SignedRecord, check: Check, now: datetime) -> None:
        r = signed.record
        held = uow.node_records.get(r.subscriber_id)
        if held is not None and held.sequence >= r.sequence:
            return  # a page carried two versions: keep the newest
        uow.node_records.put(r.subscriber_id, r.sequence, r.expires_at.astimezone(UTC),
                             json.dumps(signed.to_dict(), ensure_ascii=False), now)
        trusted = _held_keys(uow, signed)
        for k in r.keys:
            have = trusted.get(k.unique_key_id)
            if have is not None and have.signing_public_key != k.signing_public_key:
                continue  # a trusted key id is never re-bound by a record
            # The signing key's trust came from ``check.source``; the others it lists, it endorses.
            signer = k.unique_key_id == signed.signature.unique_key_id
            source = have.source if have is not None else (check.source if signer and check.source else "endorsed")
            uow.known_keys.put(KnownKey(r.subscriber_id, k.unique_key_id, k.signing_public_key, k.encr_public_key,
                                        r.url, k.valid_from, k.valid_until, source), now)
        if r.peer_url == self._own_peer_url:
            return
        if check.source == SELF_LOOKUP_SOURCE:
            # Its own lookup, at the very address this URL is on, just answered for it: earned.
            if uow.peers.add(r.peer_url, r.subscriber_id, PeerKind.PEER, now):
                uow.peers.evict(PeerKind.PEER, MAX_PEERS)
        elif uow.peers.add(r.peer_url, r.subscriber_id, PeerKind.CANDIDATE, now):
            uow.peers.evict(PeerKind.CANDIDATE, MAX_CANDIDATES)


def _held_keys(uow: DiscoveryUnitOfWork, signed: SignedRecord) -> dict[str, KnownKey]:
    """Trusted keys of the record's subscriber under the key ids it involves (listed, signing,
    endorsing): point lookups, since this runs for every record a peer sends."""
    sid = signed.record.subscriber_id
    ukids = {k.unique_key_id for k in signed.record.keys} | {signed.signature.unique_key_id}
    if signed.endorsement is not None:
        ukids.add(signed.endorsement.unique_key_id)
    found = (uow.known_keys.get(sid, u) for u in sorted(ukids))
    return {k.unique_key_id: k for k in found if k is not None and is_trusted_source(k.source)}
