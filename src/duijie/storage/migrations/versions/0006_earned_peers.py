"""earned peers and trusted keys only: peers.kind/refusals/added_at; peer-record keys dropped;
node_records.sequence BIGINT

Keys that earlier versions stored from relayed node records (source 'peer-record') were never
vouched for by anyone who may speak for the identity (docs/TRUST.md): they are deleted, and
with them every peer record whose subscriber has no key left (they are fetched again, and
confirmed, on the next rounds; this node's own record is re-issued on start). Every peer
already known becomes a candidate that must answer for itself before it is polled again;
operator peers are marked again by ``--peer`` at start.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('peers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='candidate'))
        batch_op.add_column(sa.Column('refusals', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_peers_kind_added_at', ['kind', 'added_at'], unique=False)
    # Own sequences start at the Unix time; a peer's may be larger than 32 bits (PostgreSQL's INTEGER).
    with op.batch_alter_table('node_records', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)
    op.execute("DELETE FROM known_keys WHERE source = 'peer-record'")
    op.execute("DELETE FROM node_records WHERE subscriber_id NOT IN (SELECT subscriber_id FROM known_keys)")
    op.execute("DELETE FROM peer_catalogs WHERE subscriber_id NOT IN (SELECT subscriber_id FROM node_records)")


def downgrade() -> None:
    with op.batch_alter_table('node_records', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table('peers', schema=None) as batch_op:
        batch_op.drop_index('ix_peers_kind_added_at')
        batch_op.drop_column('added_at')
        batch_op.drop_column('refusals')
        batch_op.drop_column('kind')
