"""outlet list indexes: the public list in (city, name) order, and counts by status, city and type

Revision ID: outlets0016
Revises: ledger0015
Create Date: 2026-12-03 06:50:00
"""

from alembic import op


revision = 'outlets0016'
down_revision = 'ledger0015'
branch_labels = None
depends_on = None


def upgrade():
    # A page of the list (ORDER BY city, name, id LIMIT n) reads it in index order instead of sorting a city.
    op.create_index('ix_outlets_city_name', 'outlets', ['city', 'name'])
    # The list's total (status IN the open states AND city AND type) counted from the index alone.
    op.create_index('ix_outlets_status_city_type', 'outlets', ['status', 'city', 'type'])


def downgrade():
    op.drop_index('ix_outlets_status_city_type', table_name='outlets')
    op.drop_index('ix_outlets_city_name', table_name='outlets')
