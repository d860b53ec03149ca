"""云拼 pools, pledges and the persisted close schedule

The schedule is the pools table itself: ``(state, close_at)`` indexed, read by every node's
closer, which claims a due pool with a conditional UPDATE inside the closing transaction.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pools',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('organizer_id', sa.String(length=200), nullable=False),
        sa.Column('producer_id', sa.String(length=200), nullable=False),
        sa.Column('producer_uri', sa.String(length=500), nullable=False),
        sa.Column('offer_id', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('terms_version', sa.Integer(), nullable=False),
        sa.Column('close_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.Column('batch_state', sa.String(length=20), nullable=True),
        sa.Column('pledged', sa.String(length=40), nullable=False, server_default='0'),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_pools'),
    )
    op.create_index('ix_pools_state_close_at', 'pools', ['state', 'close_at'], unique=False)
    op.create_table(
        'pool_pledges',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('pool_id', sa.String(length=100), nullable=False),
        sa.Column('buyer_id', sa.String(length=200), nullable=False),
        sa.Column('buyer_uri', sa.String(length=500), nullable=False),
        sa.Column('transaction_id', sa.String(length=100), nullable=False),
        sa.Column('quantity', sa.String(length=40), nullable=False),
        sa.Column('pledged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_pool_pledges'),
    )
    op.create_index('ix_pool_pledges_pool_id', 'pool_pledges', ['pool_id'], unique=False)
    op.create_index('ix_pool_pledges_buyer_id', 'pool_pledges', ['buyer_id', 'transaction_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pool_pledges_buyer_id', table_name='pool_pledges')
    op.drop_index('ix_pool_pledges_pool_id', table_name='pool_pledges')
    op.drop_table('pool_pledges')
    op.drop_index('ix_pools_state_close_at', table_name='pools')
    op.drop_table('pools')
