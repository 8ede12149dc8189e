"""reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('building', 'ready', 'failed')", name=op.f('ck_report_snapshot_status_known')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_report_snapshot_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_report_snapshot_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot'))
    )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_report_snapshot_round_id_status', ['round_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshot_round_id_status')

    op.drop_table('report_snapshot')
