"""smart charging, display messages, firmware and log jobs

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import csms.db.tables

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('charging_profiles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('charge_point_id', sa.String(length=48), nullable=False),
    sa.Column('evse_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('stack_level', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('ocpp_transaction_id', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('profile', sa.Text(), nullable=False),
    sa.Column('updated_at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charging_profiles')),
    sa.UniqueConstraint('charge_point_id', 'profile_id', name=op.f('uq_charging_profiles_charge_point_id_profile_id'))
    )
    op.create_table('charging_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('charge_point_id', sa.String(length=48), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('evse_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charging_reports'))
    )
    op.create_table('display_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('charge_point_id', sa.String(length=48), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('content', sa.String(length=512), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=True),
    sa.Column('start_at', csms.db.tables.UTCDateTime(), nullable=True),
    sa.Column('end_at', csms.db.tables.UTCDateTime(), nullable=True),
    sa.Column('transaction_id', sa.String(length=36), nullable=True),
    sa.Column('evse_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('updated_at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_display_messages')),
    sa.UniqueConstraint('charge_point_id', 'message_id', name=op.f('uq_display_messages_charge_point_id_message_id'))
    )
    op.create_table('firmware_jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('charge_point_id', sa.String(length=48), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('location', sa.String(length=512), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('retrieve_at', csms.db.tables.UTCDateTime(), nullable=True),
    sa.Column('install_at', csms.db.tables.UTCDateTime(), nullable=True),
    sa.Column('retries', sa.Integer(), nullable=True),
    sa.Column('retry_interval', sa.Integer(), nullable=True),
    sa.Column('signature', sa.String(length=800), nullable=True),
    sa.Column('signing_certificate', sa.Text(), nullable=True),
    sa.Column('checksum', sa.String(length=32), nullable=True),
    sa.Column('created_at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.Column('updated_at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firmware_jobs'))
    )
    op.create_table('log_jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('charge_point_id', sa.String(length=48), nullable=False),
    sa.Column('log_type', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=512), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('oldest_at', csms.db.tables.UTCDateTime(), nullable=True),
    sa.Column('latest_at', csms.db.tables.UTCDateTime(), nullable=True),
    sa.Column('retries', sa.Integer(), nullable=True),
    sa.Column('retry_interval', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.Column('updated_at', csms.db.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_jobs'))
    )
    op.create_index(op.f('ix_charging_reports_charge_point_id_kind'), 'charging_reports', ['charge_point_id', 'kind'], unique=False)
    op.create_index(op.f('ix_firmware_jobs_charge_point_id_kind'), 'firmware_jobs', ['charge_point_id', 'kind'], unique=False)
    op.create_index(op.f('ix_log_jobs_charge_point_id'), 'log_jobs', ['charge_point_id'], unique=False)


def downgrade() -> None:
    for name in ('log_jobs', 'firmware_jobs', 'display_messages', 'charging_reports', 'charging_profiles'):
        op.drop_table(name)
