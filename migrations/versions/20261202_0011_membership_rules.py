"""membership rules: join form fields, the late-joiner cut-off, the account's language

Revision ID: members0011
Revises: projects0010
Create Date: 2026-12-02 08:00:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = 'members0011'
down_revision = 'projects0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('membership_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('late_join_cutoff', sa.String(length=5), nullable=True),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_membership_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_settings'))
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_representative', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_title', sa.String(length=100), nullable=False, server_default=''))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('contact_title')
        batch_op.drop_column('legal_representative')
    op.drop_table('membership_settings')
