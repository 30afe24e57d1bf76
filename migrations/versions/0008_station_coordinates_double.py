"""station coordinates and numeric meter values in double precision

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.alter_column("lat", type_=sa.Double(), existing_type=sa.Float(), existing_nullable=True)
        batch.alter_column("lng", type_=sa.Double(), existing_type=sa.Float(), existing_nullable=True)
    with op.batch_alter_table("meter_values") as batch:
        batch.alter_column("value_num", type_=sa.Double(), existing_type=sa.Float(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("meter_values") as batch:
        batch.alter_column("value_num", type_=sa.Float(), existing_type=sa.Double(), existing_nullable=True)
    with op.batch_alter_table("stations") as batch:
        batch.alter_column("lat", type_=sa.Float(), existing_type=sa.Double(), existing_nullable=True)
        batch.alter_column("lng", type_=sa.Float(), existing_type=sa.Double(), existing_nullable=True)
