"""leads routing: lead origin, assignment history, round-robin state

Revision ID: 501_leads_routing
Revises: 601_review_outbox
Create Date: 2026-11-22 06:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '501_leads_routing'
down_revision = '601_review_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crm_leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_crm_leads_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('crm_lead_assignments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.Column('sla_due_at', sa.DateTime(), nullable=True),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('notified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['crm_leads.id'], name=op.f('fk_crm_lead_assignments_lead_id_crm_leads')),
    sa.ForeignKeyConstraint(['rep_id'], ['crm_reps.id'], name=op.f('fk_crm_lead_assignments_rep_id_crm_reps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_lead_assignments'))
    )
    with op.batch_alter_table('crm_lead_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_lead_assignments_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_lead_assignments_rep_id'), ['rep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_lead_assignments_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_lead_assignments_sla_due_at'), ['sla_due_at'], unique=False)

    op.create_table('crm_rep_rotation',
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('offered', sa.Integer(), nullable=False),
    sa.Column('last_offered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['rep_id'], ['crm_reps.id'], name=op.f('fk_crm_rep_rotation_rep_id_crm_reps')),
    sa.PrimaryKeyConstraint('rep_id', name=op.f('pk_crm_rep_rotation'))
    )


def downgrade() -> None:
    op.drop_table('crm_rep_rotation')
    with op.batch_alter_table('crm_lead_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_lead_assignments_sla_due_at'))
        batch_op.drop_index(batch_op.f('ix_crm_lead_assignments_state'))
        batch_op.drop_index(batch_op.f('ix_crm_lead_assignments_rep_id'))
        batch_op.drop_index(batch_op.f('ix_crm_lead_assignments_lead_id'))
    op.drop_table('crm_lead_assignments')
    with op.batch_alter_table('crm_leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_leads_conversation_id'))
        batch_op.drop_column('created_by')
        batch_op.drop_column('conversation_id')
