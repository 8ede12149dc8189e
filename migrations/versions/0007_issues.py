"""issues

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issue_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=True),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('auto_assign', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_issue_rule_department_id_department')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_issue_rule_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_issue_rule_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_rule'))
    )
    op.create_table('issue_cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('tokens', sa.JSON(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_issue_cluster_region_id_region')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_issue_cluster_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_cluster'))
    )
    with op.batch_alter_table('issue_cluster', schema=None) as batch_op:
        batch_op.create_index('ix_issue_cluster_group', ['round_id', 'region_id', 'category'], unique=False)

    op.create_table('verification_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('picked', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_verification_run_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_verification_run_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_run'))
    )
    with op.batch_alter_table('verification_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_run_round_id'), ['round_id'], unique=False)

    op.create_table('issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('tokens', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recontact', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('callback_solved', sa.Boolean(), nullable=True),
    sa.Column('callback_satisfied', sa.Boolean(), nullable=True),
    sa.Column('doubtful', sa.JSON(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('new', 'assigned', 'returned', 'rectified', 'awaiting_callback', 'reviewed', 'spot_check', 'verified', 'closed', 'reopened')", name=op.f('ck_issue_status_known')),
    sa.CheckConstraint("urgency IN ('urgent', 'normal', 'complex')", name=op.f('ck_issue_urgency_known')),
    sa.ForeignKeyConstraint(['cluster_id'], ['issue_cluster.id'], name=op.f('fk_issue_cluster_id_issue_cluster')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_issue_complaint_id_complaint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_issue_department_id_department')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_issue_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_issue_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_issue_region_id_region')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_issue_round_id_survey_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['issue_rule.id'], name=op.f('fk_issue_rule_id_issue_rule'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_issue_complaint_id'))
    )
    with op.batch_alter_table('issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index('ix_issue_department_id_status', ['department_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_issue_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index('ix_issue_round_id_status', ['round_id', 'status'], unique=False)

    op.create_table('callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('solved', sa.Boolean(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('unreachable', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'done')", name=op.f('ck_callback_status_known')),
    sa.ForeignKeyConstraint(['caller_id'], ['user_account.id'], name=op.f('fk_callback_caller_id_user_account')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_callback_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], name=op.f('fk_callback_issue_id_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_callback_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback'))
    )
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index('ix_callback_round_id_status', ['round_id', 'status'], unique=False)

    op.create_table('issue_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], name=op.f('fk_issue_event_issue_id_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_issue_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_event'))
    )
    with op.batch_alter_table('issue_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_event_issue_id'), ['issue_id'], unique=False)

    op.create_table('verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=True),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('caller_id', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('risk', sa.Double(), nullable=True),
    sa.Column('anchors', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('verifier_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('reasked', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'interview' AND interview_id IS NOT NULL) OR (kind = 'issue' AND issue_id IS NOT NULL)", name=op.f('ck_verification_target_given')),
    sa.CheckConstraint("kind IN ('interview', 'issue')", name=op.f('ck_verification_kind_known')),
    sa.CheckConstraint("status IN ('open', 'done')", name=op.f('ck_verification_status_known')),
    sa.ForeignKeyConstraint(['caller_id'], ['user_account.id'], name=op.f('fk_verification_caller_id_user_account')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_verification_interview_id_interview'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], name=op.f('fk_verification_issue_id_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_verification_round_id_survey_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['verification_run.id'], name=op.f('fk_verification_run_id_verification_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verifier_id'], ['user_account.id'], name=op.f('fk_verification_verifier_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification')),
    sa.UniqueConstraint('interview_id', name=op.f('uq_verification_interview_id'))
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_caller_id'), ['caller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index('ix_verification_round_id_status', ['round_id', 'status'], unique=False)

    op.create_table('issue_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['issue_event.id'], name=op.f('fk_issue_attachment_event_id_issue_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], name=op.f('fk_issue_attachment_issue_id_issue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_issue_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_attachment'))
    )
    with op.batch_alter_table('issue_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_attachment_issue_id'), ['issue_id'], unique=False)



def downgrade():
    with op.batch_alter_table('issue_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_attachment_issue_id'))

    op.drop_table('issue_attachment')
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_round_id_status')
        batch_op.drop_index(batch_op.f('ix_verification_issue_id'))
        batch_op.drop_index(batch_op.f('ix_verification_caller_id'))

    op.drop_table('verification')
    with op.batch_alter_table('issue_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_event_issue_id'))

    op.drop_table('issue_event')
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_round_id_status')
        batch_op.drop_index(batch_op.f('ix_callback_issue_id'))

    op.drop_table('callback')
    with op.batch_alter_table('issue', schema=None) as batch_op:
        batch_op.drop_index('ix_issue_round_id_status')
        batch_op.drop_index(batch_op.f('ix_issue_interview_id'))
        batch_op.drop_index('ix_issue_department_id_status')
        batch_op.drop_index(batch_op.f('ix_issue_cluster_id'))

    op.drop_table('issue')
    with op.batch_alter_table('verification_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_run_round_id'))

    op.drop_table('verification_run')
    with op.batch_alter_table('issue_cluster', schema=None) as batch_op:
        batch_op.drop_index('ix_issue_cluster_group')

    op.drop_table('issue_cluster')
    op.drop_table('issue_rule')
