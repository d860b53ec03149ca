"""reservations, their slot claims (no overlap, enforced by a unique index), blocks and waitlist

Revision ID: 0007
Revises: 0006
"""

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so kinds built side by side do not collide; filled by its kind.
    pass


def downgrade() -> None:
    pass
