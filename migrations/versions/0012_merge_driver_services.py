"""merge the driver-service branches: tariffs (0010) and driver profile (0011)

Revision ID: 0012
Revises: 0010, 0011
"""

revision = "0012"
down_revision = ("0010", "0011")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
