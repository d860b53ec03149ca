"""reservations, their slot claims (no overlap, enforced by a unique index), blocks and waitlist

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reservations',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('provider_id', sa.String(length=100), nullable=False),
        sa.Column('resource_id', sa.String(length=100), nullable=False),
        sa.Column('bap_id', sa.String(length=200), nullable=False),
        sa.Column('bap_uri', sa.String(length=500), nullable=False),
        sa.Column('transaction_id', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=30), nullable=False),
        sa.Column('slot_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('slot_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_reservations'),
        sa.UniqueConstraint('bap_id', 'transaction_id', name='uq_reservations_bap_transaction'),
    )
    op.create_index('ix_reservations_resource_start', 'reservations',
                    ['provider_id', 'resource_id', 'slot_start'], unique=False)
    # The claim of each 15-minute cell: the primary key is what refuses a double booking.
    op.create_table(
        'reservation_claims',
        sa.Column('provider_id', sa.String(length=100), nullable=False),
        sa.Column('resource_id', sa.String(length=100), nullable=False),
        sa.Column('cell', sa.BigInteger(), nullable=False),
        sa.Column('booking_id', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('provider_id', 'resource_id', 'cell', name='pk_reservation_claims'),
    )
    op.create_index('ix_reservation_claims_booking_id', 'reservation_claims', ['booking_id'], unique=False)
    op.create_table(
        'reservation_blocks',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('provider_id', sa.String(length=100), nullable=False),
        sa.Column('resource_id', sa.String(length=100), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_reservation_blocks'),
    )
    op.create_index('ix_reservation_blocks_resource_start', 'reservation_blocks',
                    ['provider_id', 'resource_id', 'starts_at'], unique=False)
    op.create_table(
        'reservation_waitlist',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('provider_id', sa.String(length=100), nullable=False),
        sa.Column('resource_id', sa.String(length=100), nullable=False),
        sa.Column('slot_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('slot_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('bap_id', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('offered_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_reservation_waitlist'),
    )
    op.create_index('ix_reservation_waitlist_resource_start', 'reservation_waitlist',
                    ['provider_id', 'resource_id', 'slot_start'], unique=False)
    op.create_index('ix_reservation_waitlist_state_offered', 'reservation_waitlist',
                    ['state', 'offered_until'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reservation_waitlist_state_offered', table_name='reservation_waitlist')
    op.drop_index('ix_reservation_waitlist_resource_start', table_name='reservation_waitlist')
    op.drop_table('reservation_waitlist')
    op.drop_index('ix_reservation_blocks_resource_start', table_name='reservation_blocks')
    op.drop_table('reservation_blocks')
    op.drop_index('ix_reservation_claims_booking_id', table_name='reservation_claims')
    op.drop_table('reservation_claims')
    op.drop_index('ix_reservations_resource_start', table_name='reservations')
    op.drop_table('reservations')
