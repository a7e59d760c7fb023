"""imports as jobs: progress of long outlet imports

Revision ID: imports0014
Revises: benchmarks0013
Create Date: 2026-12-02 12:40:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = 'imports0014'
down_revision = 'benchmarks0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
