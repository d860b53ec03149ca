"""The composition root: the one place where concrete adapters are chosen and wired."""

from __future__ import annotations

import asyncio
import logging
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from starlette.applications import Starlette

from duijie.api.app import create_app
from duijie.local_node import open_database
from duijie.protocol.context import Action
from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.pipeline import InboundPipeline, PipelineConfig
from duijie.protocol.records import SignedRecord
from duijie.protocol.roles import Role
from duijie.services.beckn_inbox import INLINE_ACTIONS, BecknInbox, JournalingReplayGuard, SqlReplayGuard
from duijie.services.container import NodeIdentity, Services
from duijie.services.inbound_journal import InboundJournal
from duijie.services.key_authority import HttpIdentityLookup, KeyAuthority
from duijie.services.key_lookup import NodeKeyResolver
from duijie.services.outbox import OutboxSender
from duijie.services.ports import Clock, JournalState, SystemClock, Transport
from duijie.services.registry import LookupService
from duijie.services.retention import Retention
from duijie.services.trade.catalog import CatalogService
from duijie.services.trade.offer_lookup import OfferLookup
from duijie.settings import Settings
from duijie.storage.checkpoint import WalCheckpointer
from duijie.storage.engine import sqlite_file
from duijie.storage.node_config import NodeConfig, load_config
from duijie.storage.signer import KeyringSigner
from duijie.storage.uow import SqlUnitOfWorkFactory
from duijie.transport.http import HttpTransport
from duijie.transport.process_link import BackOfficeLink, IntakeLink

if TYPE_CHECKING:
    from duijie.services.buyer import BuyerService
    from duijie.services.trade.pool.offer_source import SignedOfferSource

log = logging.getLogger("duijie.bootstrap")


ServeOptions = Settings
"""The old name of :class:`duijie.settings.Settings`, kept for callers written before it."""


@dataclass
class Node:
    """A wired node: its config, database, use cases and ASGI app."""

    data_dir: Path
    config: NodeConfig
    engine: Engine
    services: Services
    app: Starlette
    signer: KeyringSigner
    outbox: OutboxSender
    resolver: NodeKeyResolver
    link: IntakeLink | BackOfficeLink | None = None


@dataclass
class Wiring:
    """What the feature wiring functions below receive."""

    config: NodeConfig
    options: Settings
    uow: SqlUnitOfWorkFactory
    clock: Clock
    transport: Transport
    signer: KeyringSigner
    resolver: NodeKeyResolver
    inbox: BecknInbox
    outbox: OutboxSender
    services: Services


def wire_seller(w: Wiring) -> None:
    """BPP role: answer search/select/init/confirm/... and the merchant's inbox."""
    from duijie.services.trade.food.kind import FoodKind
    from duijie.services.trade.jobs.desk import ApplicationDesk
    from duijie.services.trade.jobs.kind import JobsKind
    from duijie.services.trade.merchant import MerchantService
    from duijie.services.trade.offer_listing import SignedOffers
    from duijie.services.trade.order_callbacks import SellerNode
    from duijie.services.trade.reservation.kind import ReservationKind
    from duijie.services.trade.reservation.merchant import ReservationServices, beckn_order_of
    from duijie.services.trade.seller import SellerService

    if Role.BPP not in w.options.all_roles:
        return
    node = SellerNode(w.config.subscriber_id, w.config.subscriber_url)
    seller = SellerService(w.uow, w.clock, node)
    seller.kinds.register(FoodKind())  # the kinds of trade this node sells, one line each
    seller.kinds.register(JobsKind())
    reservations = ReservationServices.build(w.uow, w.clock, node, beckn_order_of,
                                             bytes.fromhex(w.config.admin_token_sha256))
    seller.kinds.register(ReservationKind.with_waitlist(reservations.desk.waitlist))
    seller.register(w.inbox.register)
    w.services.seller = seller
    w.services.merchant = MerchantService(w.uow, w.clock, node)
    w.services.applications = ApplicationDesk(w.uow, w.clock, node)
    w.services.reservations = reservations
    w.services.signed_offers = SignedOffers(w.services.catalog, w.signer, w.clock, w.config.subscriber_id)


def wire_buyer(w: Wiring) -> None:
    """BAP role: run flows against other nodes and collect their callbacks."""
    from duijie.services.buyer import BuyerService
    from duijie.services.buyer_inbox import BuyerInbox
    from duijie.services.trade.receipts import ReceiptIssuer

    issuer = ReceiptIssuer(w.signer, w.clock, w.config.subscriber_id)
    # The seller signs at confirm and takes back the buyer's countersigned copy through these hooks.
    seller = w.services.seller
    if seller is not None:
        seller.on_order_confirmed = issuer.seller_hook
        seller.on_receipt_countersigned = issuer.accept_countersigned
    if Role.BAP not in w.options.all_roles:
        return
    callbacks = BuyerInbox(w.uow, w.clock, w.resolver, issuer, w.config.subscriber_id)
    callbacks.register(w.inbox.register)
    w.services.buyer = BuyerService(w.uow, w.transport, w.signer, w.clock, callbacks,
                                    w.config.subscriber_id, w.config.subscriber_url)
    from duijie.services.trade.reservation.guest import RoomAvailability

    w.services.room_availability = RoomAvailability(w.transport)


def signed_offer_source(w: Wiring) -> SignedOfferSource | None:
    """Where the organizer fetches producers' signed offers: over HTTP beside the node's transport,
    or in-process beside a mock one (tests)."""
    from duijie.transport.mock import MockTransport
    from duijie.transport.offer_fetch import HttpSignedOffers, MockSignedOffers

    if isinstance(w.transport, MockTransport):
        return MockSignedOffers(w.transport)
    if isinstance(w.transport, HttpTransport):
        fetch = HttpSignedOffers()
        w.services.shutdown.append(fetch.aclose)
        return fetch
    return None


def wire_pools(w: Wiring) -> None:
    """云拼 pools: the organizer's use cases, pledges as a kind (BPP) and the job that closes due pools."""
    from duijie.services.buyer import SellerRefused
    from duijie.services.trade.offer.kind import OfferKind
    from duijie.services.trade.order_callbacks import SellerNode
    from duijie.services.trade.pool.batch import BatchOrders
    from duijie.services.trade.pool.closing import PoolCloser
    from duijie.services.trade.pool.kind import PoolKind
    from duijie.services.trade.pool.notices import PoolNotices
    from duijie.services.trade.pool.pools import PoolService
    from duijie.services.trade.receipts import ReceiptIssuer

    node = SellerNode(w.config.subscriber_id, w.config.subscriber_url)
    notices = PoolNotices(node, ReceiptIssuer(w.signer, w.clock, w.config.subscriber_id), w.clock)
    w.services.pools = PoolService(w.uow, w.clock, w.config.subscriber_id, notices.release, w.signer, notices,
                                   pledger=w.services.buyer, offers=signed_offer_source(w))
    closer = w.services.pool_closer = PoolCloser(w.uow, w.clock, notices.closed)
    if w.services.buyer is not None:  # the organizer buys the batch from the producer, over Beckn
        closer.place_batch = BatchOrders(w.services.buyer.place, SellerRefused)
    if w.services.seller is not None:
        w.services.seller.kinds.register(PoolKind(notices))  # pledges into the pools organized here
        w.services.seller.kinds.register(OfferKind())  # batch orders for this node's producer offers
    interval = w.options.pool_interval

    async def close_pools() -> None:  # every process on the database runs it: the claim makes it once
        await closer.run(interval)

    w.services.background.append(close_pools)


def wire_discovery(w: Wiring) -> None:
    """Node records, peer exchange, gateway role and the local search index."""
    from duijie.search import SearchDocument, SearchQuery, open_index
    from duijie.services.discovery import OwnNode, RecordStore
    from duijie.services.gateway import GatewayService
    from duijie.services.index import LocalIndex
    from duijie.services.peer_exchange import ExchangeLimits, HttpPeerClient, PeerExchange

    roles = tuple(r.value for r in w.options.all_roles)  # plain text in the signed record

    catalog = w.services.catalog
    authority = w.resolver.authority
    store = RecordStore(w.uow, w.clock, OwnNode(w.config.subscriber_id, w.config.subscriber_url, roles),
                        w.signer.all_keys, catalog.providers, catalog.listing, authority.vouch,
                        authority.addresses)
    limits = ExchangeLimits(timeout=w.options.peer_timeout)
    exchange = PeerExchange(store, w.uow, w.clock, HttpPeerClient(w.transport, limits, store.own.peer_url), limits)
    exchange.add_peers(w.options.peers)
    store.publish_self()
    # Re-issue our record as soon as a listing changes.
    def republish(_listing: object) -> None:
        store.publish_self()

    catalog.change_listeners.append(republish)
    w.services.discovery = exchange
    interval = w.options.peer_interval

    async def peer_exchange() -> None:
        await exchange.run_forever(interval)

    w.services.background.append(peer_exchange)
    if "BAP" in roles and w.options.local_index:
        # Queries read through a read-only handle: on SQLite they must never take the write lock.
        semantic = w.options.semantic
        reader = open_index(w.uow.engine.execution_options(read_only=True), semantic=semantic, ensure_schema=False)
        local = LocalIndex(w.uow, w.clock, open_index(w.uow.engine, semantic=semantic), SearchDocument,
                           SearchQuery, reader)
        exchange.catalog_listeners.append(local.on_catalog)
        w.services.search = local
    if "BAP" in roles:
        from duijie.services.held_cache import CachedHeldListings
        from duijie.services.named_places import NamedPlaces

        w.services.held = CachedHeldListings(w.uow)
        w.services.places = NamedPlaces(w.uow)
    if w.services.buyer is not None:
        wire_live_search(w, w.services.buyer, store.records)
    if Role.BG in roles:
        gateway = GatewayService(w.config.subscriber_id, store.records, w.signer.current, w.transport, w.clock,
                                 local=w.inbox.handler_for(Action.SEARCH),
                                 local_on_search=w.inbox.handler_for(Action.ON_SEARCH),
                                 hosts_providers=lambda: bool(catalog.providers()))
        w.inbox.register(Action.SEARCH, gateway.handle_search)
        w.inbox.register(Action.ON_SEARCH, gateway.handle_on_search)
        exchange.gateway = gateway


def wire_accounts(w: Wiring) -> None:
    """The merchant pages' accounts and sessions (argon2id; the admin token makes the first owner)."""
    from duijie.services.accounts import AccountService

    w.services.accounts = AccountService(w.uow, w.clock, w.config.admin_token_matches)


def wire_live_search(w: Wiring, buyer: BuyerService, records: Callable[[], list[SignedRecord]]) -> None:
    """Search for people: ask the gateways and sellers this node knows, merge with the local index."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from duijie.search import SearchDocument, SearchQuery, open_index
    from duijie.services.index import TextIndex
    from duijie.services.live_search import LiveSearch
    from duijie.services.trade.offer.live_view import NodeTrustedKeys

    def scratch() -> TextIndex:
        # One in-memory database per query, gone with the index: live answers are never kept.
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        return open_index(engine, semantic=False)

    w.services.live_search = LiveSearch(buyer, records, w.config.subscriber_id, w.services.search,
                                        scratch, SearchDocument, SearchQuery, w.clock)
    w.services.live_search.offer_keys = [NodeTrustedKeys(w.uow, w.clock)]  # a live offer's provenance


OUTBOX_LEASE = timedelta(seconds=30)
"""How long a message an intake queued is left to the intake's own sender (its delivery times
out after 10 s) before the back office treats it as due."""

BACK_OFFICE_YIELD = 1.0
"""While the intake hands work over, its back office handles half the time and leaves SQLite's write
lock free the other half (the intake's own handling then gets a fifth: it has requests to answer)."""

BACK_OFFICE_ACTIONS = frozenset(a.value for a in Action if not a.is_callback and a not in INLINE_ACTIONS)
"""What a back office handles: the requests a seller answers by callback. Callbacks stay with the
intake, where the buyer's API calls wait for them; search is answered before the ACK anyway."""


def build_node(
    data_dir: Path,
    *,
    db_url: str | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
    options: Settings | None = None,
    link: IntakeLink | BackOfficeLink | None = None,
) -> Node:
    """Wire one node from its data dir; nothing connects before this is called.

    Without ``link`` one process does everything. With an :class:`IntakeLink` this process
    answers HTTP and hands :data:`BACK_OFFICE_ACTIONS` to the back office it starts; with a
    :class:`BackOfficeLink` this process is that back office (no HTTP, see ``duijie.cli.back_office``).
    """
    options = options or Settings()  # not told: the environment's settings and the defaults
    config = load_config(data_dir)
    engine = open_database(data_dir, db_url or config.db_url, serving=True)
    clock = clock or SystemClock()
    uow = SqlUnitOfWorkFactory(engine)
    signer = KeyringSigner(data_dir)
    http = transport or HttpTransport()
    registries = tuple(dict.fromkeys((*config.registries, *options.registries)))
    # A live view: what serve was given first, then what config.json keeps.
    addresses = IdentityAddresses(ChainMap(options.resolve, config.resolve))  # type: ignore[arg-type]
    authority = KeyAuthority(HttpIdentityLookup(http), addresses, registries)
    resolver = NodeKeyResolver(signer.all_keys, uow, clock, authority)
    journal = InboundJournal(uow, clock, back_office=link if isinstance(link, IntakeLink) else None,
                             calm_backlog=options.calm_backlog,
                             yield_factor=BACK_OFFICE_YIELD if isinstance(link, BackOfficeLink) else 4.0)
    guard = JournalingReplayGuard(SqlReplayGuard(uow, clock), journal)
    pipeline = InboundPipeline(PipelineConfig(config.subscriber_id), resolver, guard)
    inbox = BecknInbox(pipeline, clock, journal, roles=options.all_roles)
    outbox = OutboxSender(uow, http, signer, clock)
    roles = tuple(r.value for r in options.all_roles)
    services = Services(
        identity=NodeIdentity(config.subscriber_id, config.subscriber_url),
        clock=clock,
        catalog=CatalogService(uow, clock),
        admin_token_check=config.admin_token_matches,
        beckn=inbox,
        registry=LookupService(signer.all_keys, config.subscriber_url, roles),
        peer_rate=options.peer_rate,
    )
    services.outbox = outbox
    services.offer_lookup = OfferLookup(uow, clock, config.subscriber_id, config.subscriber_url)
    wiring = Wiring(config, options, uow, clock, http, signer, resolver, inbox, outbox, services)
    wire_seller(wiring)
    wire_buyer(wiring)
    wire_pools(wiring)
    wire_accounts(wiring)
    if isinstance(http, HttpTransport):
        services.shutdown.append(http.aclose)
    if isinstance(link, BackOfficeLink):
        wire_back_office(wiring, journal, link)
    else:
        wire_discovery(wiring)
        wire_intake(wiring, journal, link)

    async def close_database() -> None:
        uow.close()

    services.shutdown.append(close_database)
    app = create_app(services)
    return Node(data_dir, config, engine, services, app, signer, outbox, resolver, link)


def wire_intake(w: Wiring, journal: InboundJournal, link: IntakeLink | None) -> None:
    """The serving process: journal writer, retention, WAL checkpoints, and either the back
    office's supervision or (one process) the journal's handlers and the outbox sender."""
    # Every commit that queues messages hands them straight to the sender: no wake-up query.
    w.uow.outbox_listeners.append(w.outbox.submit)
    if link is None:
        w.services.background.append(w.outbox.run)
        mine = tuple(JournalState)
    else:
        # This process sends what it queues; the back office retries whatever falls due, and
        # leaves a new message alone for the lease, while it is ours to deliver.
        w.uow.outbox_lease = OUTBOX_LEASE

        async def send_own() -> None:
            await w.outbox.run(poll=False)

        link.on_handled = journal.remote_handled
        w.services.background += [send_own, link.run]
        mine = (JournalState.PENDING,)

    async def handle_journaled() -> None:
        await journal.run_workers(w.inbox.dispatch, mine)

    w.services.background += [journal.run_writer, Retention(w.uow, w.clock).run, handle_journaled]
    if w.services.reservations is not None:  # waitlist holds that ran out pass to the next guest
        w.services.background.append(w.services.reservations.keeper.run_forever)
    database = sqlite_file(w.uow.engine)
    if database is not None:
        checkpointer = WalCheckpointer(database)
        w.services.background.append(checkpointer.run)

        async def close_checkpointer() -> None:
            await asyncio.to_thread(checkpointer.close)

        w.services.shutdown.append(close_checkpointer)


def wire_back_office(w: Wiring, journal: InboundJournal, link: BackOfficeLink) -> None:
    """The back office: handle the intake's journaled requests and send every callback."""
    w.uow.outbox_listeners.append(w.outbox.submit)
    journal.on_removed = link.handled

    async def handle_journaled() -> None:
        await journal.run_workers(w.inbox.dispatch, (JournalState.HANDED_OFF,))

    async def follow_intake() -> None:
        await link.run(journal.take)

    w.services.background += [w.outbox.run, handle_journaled, follow_intake]
