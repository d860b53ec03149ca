"""replay records can be forgotten by age

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.create_index('ix_seen_messages_received_at', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_seen_messages_received_at')
