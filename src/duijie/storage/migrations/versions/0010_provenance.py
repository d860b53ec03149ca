"""source-direct provenance of producer offers and relistings

Revision ID: 0010
Revises: 0009
"""

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so kinds built side by side do not collide; filled by its kind.
    pass


def downgrade() -> None:
    pass
