"""Contracts name their currency and the share of SLA clocks they promise in time.

A service credit is money: ``contracts.currency`` (ISO 4217, e.g. ``EUR``) says in what.
Existing contracts get the currency of their customer's first site's region: Canadian
zones CAD, other American zones USD, Australian zones AUD, ``Europe/London`` GBP, and EUR
otherwise (and without a site); correct any that a region does not tell.

``contracts.attainment_target`` is the percentage of SLA clocks to be met in time each
month, the reference line of the report's trends; existing contracts get 0 (none set).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CANADIAN_ZONES = (
    "America/Toronto",
    "America/Montreal",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Halifax",
    "America/St_Johns",
    "America/Regina",
    "America/Moncton",
    "America/Whitehorse",
    "America/Yellowknife",
    "America/Iqaluit",
)


def _currency_for(zone: str | None) -> str:
    if not zone:
        return "EUR"
    if zone in _CANADIAN_ZONES:
        return "CAD"
    if zone.startswith("America/"):
        return "USD"
    if zone.startswith("Australia/"):
        return "AUD"
    if zone == "Europe/London":
        return "GBP"
    return "EUR"


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="EUR")
        )
        batch.add_column(
            sa.Column("attainment_target", sa.Float(), nullable=False, server_default="0")
        )
    connection = op.get_bind()
    sites = sa.table("sites", sa.column("id"), sa.column("customer_id"), sa.column("timezone"))
    contracts = sa.table(
        "contracts", sa.column("id"), sa.column("customer_id"), sa.column("currency")
    )
    first_zone: dict[int, str] = {}
    for customer_id, zone in connection.execute(
        sa.select(sites.c.customer_id, sites.c.timezone).order_by(sites.c.id)
    ):
        first_zone.setdefault(customer_id, zone)
    for contract_id, customer_id in connection.execute(
        sa.select(contracts.c.id, contracts.c.customer_id)
    ).all():
        currency = _currency_for(first_zone.get(customer_id))
        if currency != "EUR":
            connection.execute(
                contracts.update().where(contracts.c.id == contract_id).values(currency=currency)
            )


def downgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("attainment_target")
        batch.drop_column("currency")
