"""a 2.0.1 transaction's start is known by its own id: two starting on one EVSE at the same instant
with the same meter reading are two (the 1.6 retry key now includes ocpp_tx_key: '' for 1.6)

Revision ID: 0018
Revises: 0017_alarms
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017_alarms'
branch_labels = None
depends_on = None

OLD = 'uq_transactions_charge_point_id_evse_id_connector_id_started_at_meter_start_wh'
NEW = 'uq_transactions_charge_point_id_evse_id_connector_id_started_at_meter_start_wh_ocpp_tx_key'
OLD_COLUMNS = ['charge_point_id', 'evse_id', 'connector_id', 'started_at', 'meter_start_wh']


def upgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ocpp_tx_key', sa.String(length=64), server_default='', nullable=False))
    op.execute("UPDATE transactions SET ocpp_tx_key = ocpp_tx_id WHERE ocpp_tx_id IS NOT NULL")
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(OLD), type_='unique')
        batch_op.create_unique_constraint(batch_op.f(NEW), OLD_COLUMNS + ['ocpp_tx_key'])


def downgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(NEW), type_='unique')
        batch_op.create_unique_constraint(batch_op.f(OLD), OLD_COLUMNS)
        batch_op.drop_column('ocpp_tx_key')
