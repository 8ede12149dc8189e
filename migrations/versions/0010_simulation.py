"""simulation

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('simulation_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('fieldwork', 'design')", name=op.f('ck_simulation_run_kind_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_simulation_run_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_simulation_run_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_simulation_run_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_simulation_run'))
    )
    with op.batch_alter_table('simulation_run', schema=None) as batch_op:
        batch_op.create_index('ix_simulation_run_round_id_kind', ['round_id', 'kind'], unique=False)



def downgrade():
    with op.batch_alter_table('simulation_run', schema=None) as batch_op:
        batch_op.drop_index('ix_simulation_run_round_id_kind')

    op.drop_table('simulation_run')
