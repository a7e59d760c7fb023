"""merge standards and notices branches

Revision ID: 3cd06a19c67f
Revises: cf5cceae8568, eea3e9c73d11
Create Date: 2026-11-26 08:27:53.185379
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '3cd06a19c67f'
down_revision = ('cf5cceae8568', 'eea3e9c73d11')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
