"""report requests: requests answered in parts (reports, monitoring reports, customer information,
display messages, log uploads) and their parts; the index for an id tag's active transactions

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from csms.db.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_requests",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("charge_point_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("answer", sa.String(32), nullable=True),
        sa.Column("parts_received", sa.Integer(), nullable=False),
        sa.Column("last_seq_no", sa.Integer(), nullable=True),
        sa.Column("final_seq_no", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_report_requests"),
        sa.UniqueConstraint("charge_point_id", "kind", "request_id",
                            name="uq_report_requests_charge_point_id_kind_request_id"),
    )
    op.create_index("ix_report_requests_charge_point_id_request_id", "report_requests",
                    ["charge_point_id", "request_id"])
    op.create_index("ix_report_requests_status_updated_at", "report_requests", ["status", "updated_at"])
    op.create_table(
        "report_request_parts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("report_request_id", BigId, nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("tbc", sa.Boolean(), nullable=False),
        sa.Column("data", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql"), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["report_request_id"], ["report_requests.id"],
                                name="fk_report_request_parts_report_request_id_report_requests", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_report_request_parts"),
        sa.UniqueConstraint("report_request_id", "seq_no", name="uq_report_request_parts_report_request_id_seq_no"),
    )
    op.create_index("ix_transactions_id_tag_status", "transactions", ["id_tag", "status"])


def downgrade() -> None:
    op.drop_index("ix_transactions_id_tag_status", table_name="transactions")
    op.drop_table("report_request_parts")
    op.drop_index("ix_report_requests_status_updated_at", table_name="report_requests")
    op.drop_index("ix_report_requests_charge_point_id_request_id", table_name="report_requests")
    op.drop_table("report_requests")
