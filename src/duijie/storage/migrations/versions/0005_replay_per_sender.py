"""replay per sender: seen_messages keyed on (sender_id, message_id, action)

Beckn replies from different senders to one request share its message_id (every seller's
on_search answers the one search), so the replay guard must tell senders apart. Rows written
before this revision have no recorded sender and keep an empty one; they are forgotten by
retention a day after receipt like every replay record. The key leads with message_id, so the
journal's batched check (``message_id IN (...)``) reads the primary key's index, not the table.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_id', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint('pk_seen_messages', type_='primary')
        batch_op.create_primary_key('pk_seen_messages', ['message_id', 'action', 'sender_id'])


def downgrade() -> None:
    # Several senders may have used one (message_id, action): keep one row of each.
    op.execute(
        "DELETE FROM seen_messages WHERE sender_id <> '' AND EXISTS ("
        " SELECT 1 FROM seen_messages AS other"
        " WHERE other.message_id = seen_messages.message_id"
        " AND other.action = seen_messages.action"
        " AND other.sender_id < seen_messages.sender_id)"
    )
    with op.batch_alter_table('seen_messages', schema=None) as batch_op:
        batch_op.drop_constraint('pk_seen_messages', type_='primary')
        batch_op.create_primary_key('pk_seen_messages', ['message_id', 'action'])
        batch_op.drop_column('sender_id')
