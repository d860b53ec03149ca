"""merchant accounts and page sessions of the web pages

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_accounts',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('password_hash', sa.String(length=300), nullable=False),
        sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name='pk_web_accounts'),
    )
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id_hash', name='pk_web_sessions'),
    )
    op.create_index('ix_web_sessions_account', 'web_sessions', ['account'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_web_sessions_account', table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_table('web_accounts')
