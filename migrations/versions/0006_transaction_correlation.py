"""2.0.1 transaction bookkeeping: remoteStartId, seqNo, offline

Revision ID: 0006
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("remote_start_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seq_no", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("offline", sa.Boolean(), nullable=False, server_default=sa.text("0")))
        batch.create_index("ix_transactions_remote_start_id", ["remote_start_id"])


def downgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.drop_index("ix_transactions_remote_start_id")
        batch.drop_column("offline")
        batch.drop_column("seq_no")
        batch.drop_column("remote_start_id")
