"""job applications and their stages

Revision ID: 0008
Revises: 0007
"""

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so kinds built side by side do not collide; filled by its kind.
    pass


def downgrade() -> None:
    pass
