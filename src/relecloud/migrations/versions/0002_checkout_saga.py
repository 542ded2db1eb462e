"""Checkout saga: the payment hold, the customer, the seat count and a recovery lease.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checkouts", sa.Column("hold_code", sa.String(64)))
    op.add_column("checkouts", sa.Column("customer_id", sa.Integer))
    op.add_column("checkouts", sa.Column("seats", sa.Integer))
    op.add_column("checkouts", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.create_index("ix_checkouts_lease_until", "checkouts", ["lease_until"])


def downgrade() -> None:
    op.drop_index("ix_checkouts_lease_until", "checkouts")
    for column in ("lease_until", "seats", "customer_id", "hold_code"):
        op.drop_column("checkouts", column)
