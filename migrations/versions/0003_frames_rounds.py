"""frames, rounds, strata, cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('frame',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('unit_count', sa.Integer(), nullable=False),
    sa.Column('extra_columns', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_frame_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frame')),
    sa.UniqueConstraint('name', name=op.f('uq_frame_name'))
    )
    op.create_table('frame_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('frame_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('allow_partial', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_frame_import_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['frame_id'], ['frame.id'], name=op.f('fk_frame_import_frame_id_frame'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frame_import'))
    )
    with op.batch_alter_table('frame_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frame_import_frame_id'), ['frame_id'], unique=False)

    op.create_table('frame_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('frame_id', sa.Integer(), nullable=False),
    sa.Column('phone_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('phone_enc', sa.LargeBinary(length=64), nullable=False),
    sa.Column('phone_kind', sa.String(length=10), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('urban', sa.Boolean(), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('age_band', sa.String(length=10), nullable=True),
    sa.Column('cell', sa.Integer(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=True),
    sa.CheckConstraint("sex IN ('M', 'F')", name=op.f('ck_frame_unit_sex_known')),
    sa.ForeignKeyConstraint(['frame_id'], ['frame.id'], name=op.f('fk_frame_unit_frame_id_frame'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_frame_unit_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frame_unit')),
    sa.UniqueConstraint('frame_id', 'phone_hash', name=op.f('uq_frame_unit_frame_id_phone_hash'))
    )
    with op.batch_alter_table('frame_unit', schema=None) as batch_op:
        batch_op.create_index('ix_frame_unit_frame_id_id_cell', ['frame_id', 'id', 'cell'], unique=False)

    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('frame_id', sa.Integer(), nullable=True),
    sa.Column('design', sa.JSON(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=True),
    sa.Column('draw_job_id', sa.String(length=100), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'sampling', 'sampled', 'fielding', 'closed', 'reported')", name=op.f('ck_survey_round_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_survey_round_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['frame_id'], ['frame.id'], name=op.f('fk_survey_round_frame_id_frame')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_round')),
    sa.UniqueConstraint('name', name=op.f('uq_survey_round_name'))
    )
    op.create_table('stratum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('selected', sa.Integer(), nullable=False),
    sa.Column('replicate_size', sa.Integer(), nullable=False),
    sa.Column('released', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_stratum_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stratum')),
    sa.UniqueConstraint('round_id', 'key', name=op.f('uq_stratum_round_id_key'))
    )
    with op.batch_alter_table('stratum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stratum_round_id'), ['round_id'], unique=False)

    op.create_table('survey_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('stratum_id', sa.Integer(), nullable=False),
    sa.Column('frame_unit_id', sa.Integer(), nullable=False),
    sa.Column('replicate', sa.Integer(), nullable=False),
    sa.Column('released', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['frame_unit_id'], ['frame_unit.id'], name=op.f('fk_survey_case_frame_unit_id_frame_unit')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_survey_case_round_id_survey_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stratum_id'], ['stratum.id'], name=op.f('fk_survey_case_stratum_id_stratum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_case')),
    sa.UniqueConstraint('round_id', 'frame_unit_id', name=op.f('uq_survey_case_round_id_frame_unit_id'))
    )
    with op.batch_alter_table('survey_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_case_frame_unit_id'), ['frame_unit_id'], unique=False)
        batch_op.create_index('ix_survey_case_round_id_stratum_id_replicate', ['round_id', 'stratum_id', 'replicate'], unique=False)



def downgrade():
    with op.batch_alter_table('survey_case', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_case_round_id_stratum_id_replicate')
        batch_op.drop_index(batch_op.f('ix_survey_case_frame_unit_id'))

    op.drop_table('survey_case')
    with op.batch_alter_table('stratum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stratum_round_id'))

    op.drop_table('stratum')
    op.drop_table('survey_round')
    with op.batch_alter_table('frame_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_frame_unit_frame_id_id_cell')

    op.drop_table('frame_unit')
    with op.batch_alter_table('frame_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frame_import_frame_id'))

    op.drop_table('frame_import')
    op.drop_table('frame')
