"""reservations and local authorization lists

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import csms.db.tables

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reservations',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(length=48), nullable=False),
        sa.Column('connector_id', sa.Integer(), nullable=False),
        sa.Column('id_tag', sa.String(length=36), nullable=False),
        sa.Column('parent_id_tag', sa.String(length=36), nullable=True),
        sa.Column('connector_type', sa.String(length=32), nullable=True),
        sa.Column('expiry_date', csms.db.tables.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('ocpp_status', sa.String(length=16), nullable=True),
        sa.Column('transaction_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=64), nullable=True),
        sa.Column('created_at', csms.db.tables.UTCDateTime(), nullable=False),
        sa.Column('updated_at', csms.db.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], ondelete='CASCADE',
                                name=op.f('fk_reservations_charge_point_id_charge_points')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations')),
    )
    op.create_index(op.f('ix_reservations_charge_point_id_status'), 'reservations',
                    ['charge_point_id', 'status'], unique=False)
    op.create_index(op.f('ix_reservations_status_expiry_date'), 'reservations', ['status', 'expiry_date'],
                    unique=False)
    op.create_table(
        'local_auth_lists',
        sa.Column('charge_point_id', sa.String(length=48), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', csms.db.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], ondelete='CASCADE',
                                name=op.f('fk_local_auth_lists_charge_point_id_charge_points')),
        sa.PrimaryKeyConstraint('charge_point_id', name=op.f('pk_local_auth_lists')),
    )
    op.create_table(
        'local_auth_entries',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('charge_point_id', sa.String(length=48), nullable=False),
        sa.Column('id_tag', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('expiry_date', csms.db.tables.UTCDateTime(), nullable=True),
        sa.Column('group_id', sa.String(length=36), nullable=True),
        sa.Column('token_type', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['charge_point_id'], ['charge_points.id'], ondelete='CASCADE',
                                name=op.f('fk_local_auth_entries_charge_point_id_charge_points')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_local_auth_entries')),
        sa.UniqueConstraint('charge_point_id', 'id_tag', name=op.f('uq_local_auth_entries_charge_point_id_id_tag')),
    )


def downgrade() -> None:
    op.drop_table('local_auth_entries')
    op.drop_table('local_auth_lists')
    op.drop_index(op.f('ix_reservations_status_expiry_date'), table_name='reservations')
    op.drop_index(op.f('ix_reservations_charge_point_id_status'), table_name='reservations')
    op.drop_table('reservations')
