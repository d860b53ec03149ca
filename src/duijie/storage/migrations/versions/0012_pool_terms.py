"""organizer-signed pool terms and re-consent to changed terms

Revision ID: 0012
Revises: 0011
"""

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so parts built side by side do not collide; filled by its part.
    pass


def downgrade() -> None:
    pass
