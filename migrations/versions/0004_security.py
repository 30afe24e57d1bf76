"""security: security events, alarms, issued certificates, device model, monitors, device events,
customer information

Revision ID: 0004
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

from csms.db.tables import UTCDateTime

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES = ("customer_information", "device_events", "variable_monitors", "device_variables", "issued_certificates",
           "alarms", "security_events")


def upgrade() -> None:
    op.create_table(
        'security_events',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('type', sa.String(50), nullable=False),
        sa.Column('timestamp', UTCDateTime(), nullable=False),
        sa.Column('tech_info', sa.String(255), nullable=True),
        sa.Column('received_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_security_events'),
        sa.UniqueConstraint('charge_point_id', 'type', 'timestamp', name='uq_security_events_charge_point_id_type_timestamp'),
    )
    op.create_table(
        'alarms',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('source', sa.String(16), nullable=False),
        sa.Column('type', sa.String(128), nullable=False),
        sa.Column('message', sa.String(512), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('source_key', sa.String(160), nullable=True),
        sa.Column('raised_at', UTCDateTime(), nullable=False),
        sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
        sa.Column('cleared_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_alarms'),
    )
    op.create_index('ix_alarms_charge_point_id_status', 'alarms', ['charge_point_id', 'status'])
    op.create_index('ix_alarms_status', 'alarms', ['status'])
    op.create_table(
        'issued_certificates',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('serial', sa.String(64), nullable=False),
        sa.Column('certificate_type', sa.String(32), nullable=False),
        sa.Column('subject', sa.String(255), nullable=False),
        sa.Column('not_before', UTCDateTime(), nullable=False),
        sa.Column('not_after', UTCDateTime(), nullable=False),
        sa.Column('pem', sa.Text(), nullable=False),
        sa.Column('issued_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_issued_certificates'),
        sa.UniqueConstraint('serial', name='uq_issued_certificates_serial'),
    )
    op.create_index('ix_issued_certificates_charge_point_id', 'issued_certificates', ['charge_point_id'])
    op.create_table(
        'device_variables',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('component', sa.String(50), nullable=False),
        sa.Column('component_instance', sa.String(50), nullable=False),
        sa.Column('evse_id', sa.Integer(), nullable=False),
        sa.Column('connector_id', sa.Integer(), nullable=False),
        sa.Column('variable', sa.String(50), nullable=False),
        sa.Column('variable_instance', sa.String(50), nullable=False),
        sa.Column('attribute_type', sa.String(8), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        sa.Column('mutability', sa.String(16), nullable=True),
        sa.Column('persistent', sa.Boolean(), nullable=True),
        sa.Column('constant', sa.Boolean(), nullable=True),
        sa.Column('characteristics', sa.Text(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_device_variables'),
        sa.UniqueConstraint('charge_point_id', 'component', 'component_instance', 'evse_id', 'connector_id', 'variable', 'variable_instance', 'attribute_type', name='uq_device_variables_key'),
    )
    op.create_table(
        'variable_monitors',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('monitor_id', sa.Integer(), nullable=False),
        sa.Column('component', sa.String(50), nullable=False),
        sa.Column('component_instance', sa.String(50), nullable=False),
        sa.Column('evse_id', sa.Integer(), nullable=False),
        sa.Column('connector_id', sa.Integer(), nullable=False),
        sa.Column('variable', sa.String(50), nullable=False),
        sa.Column('variable_instance', sa.String(50), nullable=False),
        sa.Column('type', sa.String(24), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('severity', sa.Integer(), nullable=False),
        sa.Column('transaction', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_variable_monitors'),
        sa.UniqueConstraint('charge_point_id', 'monitor_id', name='uq_variable_monitors_charge_point_id_monitor_id'),
    )
    op.create_table(
        'device_events',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('timestamp', UTCDateTime(), nullable=False),
        sa.Column('trigger', sa.String(16), nullable=False),
        sa.Column('cause', sa.Integer(), nullable=True),
        sa.Column('actual_value', sa.Text(), nullable=False),
        sa.Column('tech_code', sa.String(50), nullable=True),
        sa.Column('tech_info', sa.String(500), nullable=True),
        sa.Column('cleared', sa.Boolean(), nullable=False),
        sa.Column('transaction_id', sa.String(36), nullable=True),
        sa.Column('variable_monitoring_id', sa.Integer(), nullable=True),
        sa.Column('notification_type', sa.String(24), nullable=False),
        sa.Column('component', sa.String(50), nullable=False),
        sa.Column('component_instance', sa.String(50), nullable=True),
        sa.Column('evse_id', sa.Integer(), nullable=True),
        sa.Column('connector_id', sa.Integer(), nullable=True),
        sa.Column('variable', sa.String(50), nullable=False),
        sa.Column('variable_instance', sa.String(50), nullable=True),
        sa.Column('received_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_device_events'),
        sa.UniqueConstraint('charge_point_id', 'event_id', 'timestamp', name='uq_device_events_charge_point_id_event_id_timestamp'),
    )
    op.create_table(
        'customer_information',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(48), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('seq_no', sa.Integer(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('tbc', sa.Boolean(), nullable=False),
        sa.Column('generated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_customer_information'),
        sa.UniqueConstraint('charge_point_id', 'request_id', 'seq_no', name='uq_customer_information_charge_point_id_request_id_seq_no'),
    )


def downgrade() -> None:
    for name in _TABLES:
        op.drop_table(name)
