"""discovery: node records, peer catalogs, peers

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('node_records',
    sa.Column('subscriber_id', sa.String(length=200), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('change_seq', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subscriber_id', name=op.f('pk_node_records'))
    )
    with op.batch_alter_table('node_records', schema=None) as batch_op:
        batch_op.create_index('ix_node_records_change_seq', ['change_seq'], unique=False)
    op.create_table('peer_catalogs',
    sa.Column('subscriber_id', sa.String(length=200), nullable=False),
    sa.Column('provider_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=100), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subscriber_id', 'provider_id', name=op.f('pk_peer_catalogs'))
    )
    op.create_table('peers',
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('subscriber_id', sa.String(length=200), nullable=True),
    sa.Column('cursor', sa.String(length=100), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('url', name=op.f('pk_peers'))
    )


def downgrade() -> None:
    op.drop_table('peers')
    op.drop_table('peer_catalogs')
    with op.batch_alter_table('node_records', schema=None) as batch_op:
        batch_op.drop_index('ix_node_records_change_seq')
    op.drop_table('node_records')
