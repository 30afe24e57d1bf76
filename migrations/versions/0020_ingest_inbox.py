"""ingest inbox: RabbitMQ messages committed by workers (idempotent redelivery, read-your-writes)

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa
import csms.db.tables

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_inbox',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.Column('at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_inbox'))
    )
    with op.batch_alter_table('ingest_inbox', schema=None) as batch_op:
        batch_op.create_index('ix_ingest_inbox_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ingest_inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_ingest_inbox_at')
    op.drop_table('ingest_inbox')
