"""Initial schema: users, concerts, ticket pool, customers, checkouts, tickets.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_on", TS, nullable=False),
    )
    op.create_table(
        "concerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("is_visible", sa.Boolean, nullable=False),
        sa.Column("artist", sa.String(128), nullable=False),
        sa.Column("genre", sa.String(64), nullable=False),
        sa.Column("location", sa.String(128), nullable=False),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.Column("start_time", TS, nullable=False),
        sa.Column("ticket_count", sa.Integer, nullable=False),
        sa.Column("created_on", TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_on", TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_concerts_visible_start", "concerts", ["is_visible", "start_time"])
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(75), nullable=False),
        sa.Column("email", sa.String(75), nullable=False, unique=True),
        sa.Column("phone", sa.String(16), nullable=False),
    )
    op.create_table(
        "checkouts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("confirmation", sa.String(64)),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("created_on", TS, nullable=False),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_checkout_key"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("concert_id", sa.Integer, sa.ForeignKey("concerts.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("checkout_id", sa.String(36), sa.ForeignKey("checkouts.id"), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.Column("created_on", TS, nullable=False),
    )
    op.create_index("ix_tickets_concert_id", "tickets", ["concert_id"])
    op.create_index("ix_tickets_user_id", "tickets", ["user_id"])
    op.create_index("ix_tickets_checkout_id", "tickets", ["checkout_id"])
    op.create_table(
        "ticket_numbers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "concert_id",
            sa.Integer,
            sa.ForeignKey("concerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), unique=True),
        sa.Column("hold_id", sa.String(36)),
        sa.Column("held_until", TS),
        sa.UniqueConstraint("concert_id", "number", name="uq_ticket_numbers_concert_number"),
    )
    op.create_index(
        "ix_ticket_numbers_free", "ticket_numbers", ["concert_id", "ticket_id", "hold_id"]
    )
    op.create_index("ix_ticket_numbers_hold_id", "ticket_numbers", ["hold_id"])


def downgrade() -> None:
    for table in ("ticket_numbers", "tickets", "checkouts", "customers", "concerts", "users"):
        op.drop_table(table)
