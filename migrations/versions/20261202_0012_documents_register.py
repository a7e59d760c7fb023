"""documents register: issued documents, their numbers, revocation and replacement

Revision ID: documents0012
Revises: members0011
Create Date: 2026-12-02 12:40:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = 'documents0012'
down_revision = 'members0011'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
