"""work calendar: holidays, make-up working days and staff corrections

Revision ID: workdays0007
Revises: 3cd06a19c67f
Create Date: 2026-12-02 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = 'workdays0007'
down_revision = '3cd06a19c67f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=False),
    sa.CheckConstraint("source IN ('package', 'staff')", name=op.f('ck_calendar_days_source')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )


def downgrade():
    op.drop_table('calendar_days')
