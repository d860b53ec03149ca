"""retention: replay records forgotten by age, handled journal entries deleted

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
    # Handled entries are now deleted rather than marked done: drop those left by earlier
    # versions, and the (state, id) index, which no longer tells anything apart.
    op.execute("DELETE FROM inbound_messages WHERE state <> 'pending'")
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_state')


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_messages_state', ['state', 'id'], unique=False)
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_seen_messages_received_at')
