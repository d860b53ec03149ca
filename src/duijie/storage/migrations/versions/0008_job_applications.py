"""job applications and their stages

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job_applications',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('provider_id', sa.String(length=100), nullable=False),
        sa.Column('posting_id', sa.String(length=100), nullable=False),
        sa.Column('bap_id', sa.String(length=200), nullable=False),
        sa.Column('bap_uri', sa.String(length=500), nullable=False),
        sa.Column('transaction_id', sa.String(length=100), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_job_applications'),
        sa.UniqueConstraint('bap_id', 'transaction_id', name='uq_job_applications_bap_transaction'),
    )
    op.create_index('ix_job_applications_posting_stage', 'job_applications',
                    ['provider_id', 'posting_id', 'stage'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_job_applications_posting_stage', table_name='job_applications')
    op.drop_table('job_applications')
