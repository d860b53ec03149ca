"""organizer-signed pool terms and re-consent to changed terms

``pools.signed_terms`` holds the organizer's signed terms (duijie.pool/1), ``pools.proposal`` a
change of terms awaiting consent, ``pool_consents`` each pledger's answer to it, and
``batch_orders`` the producer's inbox of batch orders with their member pledges.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pools') as batch:
        batch.add_column(sa.Column('signed_terms', sa.Text(), nullable=True))
        batch.add_column(sa.Column('proposal', sa.Text(), nullable=True))
    op.create_table(
        'pool_consents',
        sa.Column('pool_id', sa.String(length=100), nullable=False),
        sa.Column('terms_version', sa.Integer(), nullable=False),
        sa.Column('buyer_id', sa.String(length=200), nullable=False),
        sa.Column('answer', sa.String(length=20), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('pool_id', 'terms_version', 'buyer_id', name='pk_pool_consents'),
    )
    op.create_table(
        'batch_orders',
        sa.Column('order_id', sa.String(length=100), nullable=False),
        sa.Column('organizer_id', sa.String(length=200), nullable=False),
        sa.Column('organizer_uri', sa.String(length=500), nullable=False),
        sa.Column('pool_id', sa.String(length=100), nullable=True),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('order_id', name='pk_batch_orders'),
    )
    op.create_index('ix_batch_orders_received_at', 'batch_orders', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_batch_orders_received_at', table_name='batch_orders')
    op.drop_table('batch_orders')
    op.drop_table('pool_consents')
    with op.batch_alter_table('pools') as batch:
        batch.drop_column('proposal')
        batch.drop_column('signed_terms')
