"""outreach: hearing alerts to a campaign's past supporters; unsubscribe from contact

Revision ID: 0143
Revises: 0142
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0143"
down_revision = "0142"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("constituents") as batch:
        batch.add_column(
            sa.Column("contact_unsubscribed_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "hearing_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_hearing_alerts_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_hearing_alerts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_hearing_alerts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_hearing_alerts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_alerts")),
        sa.UniqueConstraint("campaign_id", "event_id", name=op.f("uq_hearing_alerts_campaign_id")),
    )
    op.create_table(
        "hearing_alert_recipients",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("constituent_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["hearing_alerts.id"],
            name=op.f("fk_hearing_alert_recipients_alert_id_hearing_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["constituent_id"],
            ["constituents.id"],
            name=op.f("fk_hearing_alert_recipients_constituent_id_constituents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "alert_id", "constituent_id", name=op.f("pk_hearing_alert_recipients")
        ),
    )


def downgrade() -> None:
    op.drop_table("hearing_alert_recipients")
    op.drop_table("hearing_alerts")
    with op.batch_alter_table("constituents") as batch:
        batch.drop_column("contact_unsubscribed_at")
