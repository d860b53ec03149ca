"""The node's tables (SQLAlchemy Core). Alembic migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per provider this node hosts: the listing as its interchange document.
listings = Table(
    "listings",
    metadata,
    Column("provider_id", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("digest", String(100), nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Replay guard: a (sender, message_id, action) triple is accepted once. The sender is the
# authenticated signer: every seller's on_search answers one search under its message_id.
seen_messages = Table(
    "seen_messages",
    metadata,
    Column("message_id", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # Rows written before migration 0005 have no recorded sender: ''.
    Column("sender_id", String(200), nullable=False, server_default=""),
    # message_id leads: the journal's batched check asks ``message_id IN (...)``.
    PrimaryKeyConstraint("message_id", "action", "sender_id"),
)
# Retention forgets records by age (services/retention.py).
Index("ix_seen_messages_received_at", seen_messages.c.received_at)

# Seller-side orders (BPP). One order per (bap_id, transaction_id): a repeated confirm for the
# same transaction finds the existing order instead of creating a second one.
orders = Table(
    "orders",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("provider_id", String(100), nullable=False),
    Column("bap_id", String(200), nullable=False),
    Column("bap_uri", String(500), nullable=False),
    Column("transaction_id", String(100), nullable=False),
    Column("status", String(30), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("bap_id", "transaction_id", name="uq_orders_bap_transaction"),
)
Index("ix_orders_provider_status", orders.c.provider_id, orders.c.status)

# Drafts between select/init and confirm, per transaction (seller side).
drafts = Table(
    "drafts",
    metadata,
    Column("bap_id", String(200), nullable=False),
    Column("transaction_id", String(100), nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("bap_id", "transaction_id"),
)

# Outgoing signed messages, persisted before they are sent, retried until ACKed or expired.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", String(500), nullable=False),
    Column("action", String(40), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_outbox_state_next", outbox.c.state, outbox.c.next_attempt_at)

# Public keys of other subscribers, with where they came from and their validity window.
known_keys = Table(
    "known_keys",
    metadata,
    Column("subscriber_id", String(200), nullable=False),
    Column("unique_key_id", String(100), nullable=False),
    Column("signing_public_key", String(100), nullable=False),
    Column("encr_public_key", String(100), nullable=True),
    Column("url", String(500), nullable=True),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("source", String(40), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("subscriber_id", "unique_key_id"),
)

# Buyer side (BAP): every callback received, per transaction, readable when it arrives.
callbacks = Table(
    "callbacks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("transaction_id", String(100), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("bpp_id", String(200), nullable=True),
    Column("document", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
Index("ix_callbacks_transaction", callbacks.c.transaction_id)

# Buyer side: orders this node placed, as last reported by the seller.
purchases = Table(
    "purchases",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("transaction_id", String(100), nullable=False),
    Column("bpp_id", String(200), nullable=False),
    Column("bpp_uri", String(500), nullable=False),
    Column("provider_id", String(100), nullable=False),
    Column("status", String(30), nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Receipts held by this node (either side): canonical agreement plus signatures.
receipts = Table(
    "receipts",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Discovery: verified node records (own and peers'), re-served to other peers. ``change_seq``
# is this node's own cursor: it grows on every insert or update, so "changed since" is cheap.
node_records = Table(
    "node_records",
    metadata,
    Column("subscriber_id", String(200), primary_key=True),
    Column("sequence", BigInteger, nullable=False),  # own sequences start at the Unix time
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Column("change_seq", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
Index("ix_node_records_change_seq", node_records.c.change_seq)

# Discovery: merchant-signed catalogs fetched from peers (verified against their record).
peer_catalogs = Table(
    "peer_catalogs",
    metadata,
    Column("subscriber_id", String(200), nullable=False),
    Column("provider_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(100), nullable=False),
    Column("document", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("subscriber_id", "provider_id"),
)

# Discovery: the peers this node polls, with the cursor each one gave last time. ``kind`` says
# how far a URL earned that (candidate, peer, operator: services/discovery_ports.PeerKind);
# ``refusals`` counts the forged or unbound records it sent.
peers = Table(
    "peers",
    metadata,
    Column("url", String(500), primary_key=True),
    Column("subscriber_id", String(200), nullable=True),
    Column("cursor", String(100), nullable=True),
    Column("failures", Integer, nullable=False),
    Column("last_ok_at", DateTime(timezone=True), nullable=True),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("kind", String(20), nullable=False, server_default="candidate"),
    Column("refusals", Integer, nullable=False, server_default="0"),
    Column("added_at", DateTime(timezone=True), nullable=True),
)
Index("ix_peers_kind_added_at", peers.c.kind, peers.c.added_at)

# Inbound journal: verified messages, written with their replay record before the ACK and
# deleted once handled, so an ACKed message survives a crash. Every row is 'pending' (the
# state column stays for older databases' sake); rows are read in id order.
inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("signer_subscriber_id", String(200), nullable=False),
    Column("gateway_subscriber_id", String(200), nullable=True),
    Column("state", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Job applications (seller side, the employer's): the applicant's details live only here and in
# the applicant's own node. One application per (bap_id, transaction_id), so a retried confirm
# finds the one it made; ``stage`` and the posting are columns for the employer's lists and for
# counting the offers that fill a posting's openings.
job_applications = Table(
    "job_applications",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("provider_id", String(100), nullable=False),
    Column("posting_id", String(100), nullable=False),
    Column("bap_id", String(200), nullable=False),
    Column("bap_uri", String(500), nullable=False),
    Column("transaction_id", String(100), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("bap_id", "transaction_id", name="uq_job_applications_bap_transaction"),
)
Index("ix_job_applications_posting_stage", job_applications.c.provider_id, job_applications.c.posting_id,
      job_applications.c.stage)

# Room reservations (seller side). One booking per (bap_id, transaction_id); the slot as columns
# (UTC) for the day views and overlap queries, the booking itself as its JSON document.
reservations = Table(
    "reservations",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("provider_id", String(100), nullable=False),
    Column("resource_id", String(100), nullable=False),
    Column("bap_id", String(200), nullable=False),
    Column("bap_uri", String(500), nullable=False),
    Column("transaction_id", String(100), nullable=False),
    Column("state", String(30), nullable=False),
    Column("slot_start", DateTime(timezone=True), nullable=False),
    Column("slot_end", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("bap_id", "transaction_id", name="uq_reservations_bap_transaction"),
)
Index("ix_reservations_resource_start", reservations.c.provider_id, reservations.c.resource_id,
      reservations.c.slot_start)

# No double booking, enforced by the database: each booking that occupies its slot (HELD,
# PENDING_APPROVAL, CONFIRMED) claims every 15-minute cell its slot and buffer cover, in the
# booking's own transaction; the primary key lets a cell be claimed once, so of two racing
# transactions one fails on SQLite and on PostgreSQL alike. Cancelling deletes the claims.
reservation_claims = Table(
    "reservation_claims",
    metadata,
    Column("provider_id", String(100), nullable=False),
    Column("resource_id", String(100), nullable=False),
    Column("cell", BigInteger, nullable=False),  # minutes since the Unix epoch, a multiple of 15
    Column("booking_id", String(100), nullable=False),
    PrimaryKeyConstraint("provider_id", "resource_id", "cell"),
)
Index("ix_reservation_claims_booking_id", reservation_claims.c.booking_id)

# The merchant's blocks: a resource out of booking for a period (private event, maintenance).
reservation_blocks = Table(
    "reservation_blocks",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("provider_id", String(100), nullable=False),
    Column("resource_id", String(100), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_reservation_blocks_resource_start", reservation_blocks.c.provider_id, reservation_blocks.c.resource_id,
      reservation_blocks.c.starts_at)

# Guests waiting for a taken slot, first come first served (by created_at).
reservation_waitlist = Table(
    "reservation_waitlist",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("provider_id", String(100), nullable=False),
    Column("resource_id", String(100), nullable=False),
    Column("slot_start", DateTime(timezone=True), nullable=False),
    Column("slot_end", DateTime(timezone=True), nullable=False),
    Column("bap_id", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("offered_until", DateTime(timezone=True), nullable=True),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_reservation_waitlist_resource_start", reservation_waitlist.c.provider_id,
      reservation_waitlist.c.resource_id, reservation_waitlist.c.slot_start)
Index("ix_reservation_waitlist_state_offered", reservation_waitlist.c.state, reservation_waitlist.c.offered_until)

# 云拼 pools organized on this node: the terms as JSON plus the columns the close schedule reads.
# ``close_at`` is when the pool falls due (its deadline, or the moment its maximum was reached):
# the closer claims rows with state 'OPEN' and close_at <= now by a conditional UPDATE, so the
# schedule survives a restart and two processes on one database close a pool once.
pools = Table(
    "pools",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("organizer_id", String(200), nullable=False),
    Column("producer_id", String(200), nullable=False),
    Column("producer_uri", String(500), nullable=False),
    Column("offer_id", String(100), nullable=False),
    Column("state", String(20), nullable=False),
    Column("terms_version", Integer, nullable=False),
    Column("close_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
    Column("outcome", Text, nullable=True),
    Column("batch_state", String(20), nullable=True),  # after a successful close: pending, confirmed
    Column("pledged", String(40), nullable=False, server_default="0"),  # the pledges' sum (decimal text)
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("signed_terms", Text, nullable=True),  # the organizer's signed terms, duijie.pool/1 (0012)
    Column("proposal", Text, nullable=True),  # changed terms awaiting every pledger's consent (0012)
)
Index("ix_pools_state_close_at", pools.c.state, pools.c.close_at)

# Pledges into those pools; a withdrawn pledge is deleted. Quantities are decimal text (exact).
pool_pledges = Table(
    "pool_pledges",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("pool_id", String(100), nullable=False),
    Column("buyer_id", String(200), nullable=False),
    Column("buyer_uri", String(500), nullable=False),
    Column("transaction_id", String(100), nullable=False),
    Column("quantity", String(40), nullable=False),
    Column("pledged_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_pool_pledges_pool_id", pool_pledges.c.pool_id)
Index("ix_pool_pledges_buyer_id", pool_pledges.c.buyer_id, pool_pledges.c.transaction_id)

# Each pledger's answer to a proposed change of a pool's terms (migration 0012): the change takes
# effect when every pledger of the pool has accepted the proposal's version.
pool_consents = Table(
    "pool_consents",
    metadata,
    Column("pool_id", String(100), primary_key=True),
    Column("terms_version", Integer, primary_key=True),
    Column("buyer_id", String(200), primary_key=True),
    Column("answer", String(20), nullable=False),  # accepted | declined
    Column("answered_at", DateTime(timezone=True), nullable=False),
)

# The producer's inbox of batch orders (migration 0012): one row per confirmed batch order for one
# of its offers, with the member pledges it gathers (``ref_order_ids``, JSON) and the organizer.
batch_orders = Table(
    "batch_orders",
    metadata,
    Column("order_id", String(100), primary_key=True),
    Column("organizer_id", String(200), nullable=False),
    Column("organizer_uri", String(500), nullable=False),
    Column("pool_id", String(100), nullable=True),
    Column("document", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
Index("ix_batch_orders_received_at", batch_orders.c.received_at)

# Merchant accounts of the web pages (migration 0011): argon2id hashes, lock-out state.
web_accounts = Table(
    "web_accounts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Their signed-in browsers: only the SHA-256 of the cookie's token is kept.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("account", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
Index("ix_web_sessions_account", web_sessions.c.account)
