"""reference data: regions, departments, indicators, scales

Revision ID: 0001
Revises: 
Create Date: 2026-11-21

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('urban_share', sa.Double(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('population >= 0', name=op.f('ck_region_population_non_negative')),
    sa.CheckConstraint('urban_share >= 0 AND urban_share <= 1', name=op.f('ck_region_urban_share_is_share')),
    sa.ForeignKeyConstraint(['parent_id'], ['region.id'], name=op.f('fk_region_parent_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parent_id'), ['parent_id'], unique=False)

    op.create_table('scale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scale')),
    sa.UniqueConstraint('code', name=op.f('uq_scale_code'))
    )
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_indicator_weight_non_negative')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_indicator_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('code', name=op.f('uq_indicator_code'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_department_id'), ['department_id'], unique=False)

    op.create_table('scale_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scale_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label_zh', sa.String(length=100), nullable=False),
    sa.Column('label_en', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('counts_as_satisfied', sa.Boolean(), nullable=False),
    sa.Column('is_dont_know', sa.Boolean(), nullable=False),
    sa.Column('read_aloud', sa.Boolean(), nullable=False),
    sa.CheckConstraint('(is_dont_know AND score IS NULL AND NOT counts_as_satisfied) OR (NOT is_dont_know AND score IS NOT NULL)', name=op.f('ck_scale_option_dont_know_has_no_score')),
    sa.ForeignKeyConstraint(['scale_id'], ['scale.id'], name=op.f('fk_scale_option_scale_id_scale'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scale_option')),
    sa.UniqueConstraint('scale_id', 'code', name=op.f('uq_scale_option_scale_id_code'))
    )
    with op.batch_alter_table('scale_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scale_option_scale_id'), ['scale_id'], unique=False)



def downgrade():
    with op.batch_alter_table('scale_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scale_option_scale_id'))

    op.drop_table('scale_option')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_department_id'))

    op.drop_table('indicator')
    op.drop_table('scale')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_id'))

    op.drop_table('region')
    op.drop_table('department')
