"""benchmark enterprises: yearly selections, criteria, candidates; standards' drafting organisations

Revision ID: benchmarks0013
Revises: documents0012
Create Date: 2026-12-02 12:40:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = 'benchmarks0013'
down_revision = 'documents0012'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
