"""ledger speed: indexes and columns for faster postings

Revision ID: ledger0015
Revises: imports0014
Create Date: 2026-12-02 12:40:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = 'ledger0015'
down_revision = 'imports0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
