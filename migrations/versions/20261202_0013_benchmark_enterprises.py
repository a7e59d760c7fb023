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
    op.create_table('benchmark_selections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('confirmed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_selections')),
    sa.UniqueConstraint('year', name=op.f('uq_benchmark_selections_year'))
    )
    with op.batch_alter_table('benchmark_selections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_selections_state'), ['state'], unique=False)
    op.create_table('benchmark_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('selection_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['selection_id'], ['benchmark_selections.id'], name=op.f('fk_benchmark_criteria_selection_id_benchmark_selections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_criteria')),
    sa.UniqueConstraint('selection_id', 'code', name=op.f('uq_benchmark_criteria_selection_id_code'))
    )
    with op.batch_alter_table('benchmark_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_criteria_selection_id'), ['selection_id'], unique=False)
    op.create_table('benchmark_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('selection_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('manual_scores', sa.JSON(), nullable=False),
    sa.Column('total_milli', sa.Integer(), nullable=True),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_benchmark_candidates_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['selection_id'], ['benchmark_selections.id'], name=op.f('fk_benchmark_candidates_selection_id_benchmark_selections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_candidates')),
    sa.UniqueConstraint('selection_id', 'enterprise_id', name=op.f('uq_benchmark_candidates_selection_id_enterprise_id'))
    )
    with op.batch_alter_table('benchmark_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_candidates_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benchmark_candidates_selected'), ['selected'], unique=False)
        batch_op.create_index(batch_op.f('ix_benchmark_candidates_selection_id'), ['selection_id'], unique=False)
    op.create_table('standard_drafters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_standard_drafters_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_standard_drafters_standard_id_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_drafters'))
    )
    with op.batch_alter_table('standard_drafters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_drafters_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_drafters_standard_id'), ['standard_id'], unique=False)


def downgrade():
    op.drop_table('standard_drafters')
    op.drop_table('benchmark_candidates')
    op.drop_table('benchmark_criteria')
    op.drop_table('benchmark_selections')
