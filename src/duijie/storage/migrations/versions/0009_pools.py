"""云拼 pools, pledges and the persisted close schedule

Revision ID: 0009
Revises: 0008
"""

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so kinds built side by side do not collide; filled by its kind.
    pass


def downgrade() -> None:
    pass
