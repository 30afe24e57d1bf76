"""meter value sample key: one row per sample, a replayed message stores nothing twice

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa
import csms.db.tables


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meter_values', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample_key', sa.BigInteger(), nullable=True))
        batch_op.create_index('uq_meter_values_sample', ['charge_point_id', 'sample_key'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('meter_values', schema=None) as batch_op:
        batch_op.drop_index('uq_meter_values_sample')
        batch_op.drop_column('sample_key')

