"""tolerant mode flag on charge points

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("charge_points") as batch:
        batch.add_column(sa.Column("tolerant", sa.Boolean(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("charge_points") as batch:
        batch.drop_column("tolerant")
