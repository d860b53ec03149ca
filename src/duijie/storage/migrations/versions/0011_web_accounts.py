"""merchant accounts and page sessions of the web pages

Revision ID: 0011
Revises: 0010
"""

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the chain so parts built side by side do not collide; filled by its part.
    pass


def downgrade() -> None:
    pass
