"""turn leases: one turn at a time per conversation, across processes

Revision ID: 901_turn_leases
Revises: 505_llm_usage
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '901_turn_leases'
down_revision = '505_llm_usage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('turn_leases',
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_turn_leases'))
    )


def downgrade() -> None:
    op.drop_table('turn_leases')
