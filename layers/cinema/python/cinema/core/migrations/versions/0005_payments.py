"""plans, customers, subscriptions, purchases, payments, webhook events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The plans on sale from the first start. Their Stripe price ids are the ones the local Stripe
# fake sells (cinema.local.stripe_emulator.objects.LOCAL_PRICES); in AWS the operator points them at
# the account's real prices (UPDATE plans SET stripe_price_id = ... , see infra/README.md).
PLANS = [
    ("Monthly", "month", 29900, "RUB", "price_cinema_monthly"),
    ("Yearly", "year", 299000, "RUB", "price_cinema_yearly"),
]


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def _id() -> sa.Column:
    return sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column(
            "interval", sa.Enum("month", "year", name="interval", native_enum=False, length=8), nullable=False
        ),
        sa.Column("price_amount", sa.Integer(), nullable=False),
        sa.Column("price_currency", sa.String(length=3), nullable=False),
        sa.Column("stripe_price_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        _id(),
        *_timestamps(),
        sa.CheckConstraint("interval IN ('month', 'year')", name=op.f("ck_plans_interval")),
        sa.CheckConstraint("price_amount > 0", name=op.f("ck_plans_price_amount")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("stripe_price_id", name=op.f("uq_plans_stripe_price_id")),
    )
    op.bulk_insert(
        plans,
        [
            {
                "name": name,
                "interval": interval,
                "price_amount": amount,
                "price_currency": currency,
                "stripe_price_id": price,
            }
            for name, interval, amount, currency, price in PLANS
        ],
    )
    op.create_table(
        "stripe_customers",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _fk("stripe_customers", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_stripe_customers")),
        sa.UniqueConstraint("stripe_customer_id", name=op.f("uq_stripe_customers_stripe_customer_id")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("plan_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("current_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        _id(),
        *_timestamps(),
        _fk("subscriptions", "plan_id", "plans", "RESTRICT"),
        _fk("subscriptions", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("stripe_subscription_id", name=op.f("uq_subscriptions_stripe_subscription_id")),
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id", "status"], unique=False)
    op.create_table(
        "purchases",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("film_id", sa.UUID(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("paid", "refunded", name="purchasestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("stripe_payment_intent_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        _id(),
        sa.CheckConstraint("status IN ('paid', 'refunded')", name=op.f("ck_purchases_status")),
        # A film somebody bought cannot be deleted (the catalog answers 409: unpublish it instead).
        _fk("purchases", "film_id", "films", "RESTRICT"),
        _fk("purchases", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("stripe_payment_intent_id", name=op.f("uq_purchases_stripe_payment_intent_id")),
    )
    op.create_index("ix_purchases_film_id", "purchases", ["film_id"], unique=False)
    op.create_index("ix_purchases_user_id_film_id", "purchases", ["user_id", "film_id"], unique=False)
    op.create_table(
        "payments",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("subscription", "film", name="paymentkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "failed", "paid", "refunded", name="paymentstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_refunded", sa.Integer(), server_default="0", nullable=False),
        sa.Column("description", sa.String(length=400), server_default="", nullable=False),
        sa.Column("film_id", sa.UUID(), nullable=True),
        sa.Column("plan_id", sa.UUID(), nullable=True),
        sa.Column("stripe_invoice_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _id(),
        sa.CheckConstraint("kind IN ('subscription', 'film')", name=op.f("ck_payments_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'failed', 'paid', 'refunded')", name=op.f("ck_payments_status")
        ),
        sa.CheckConstraint(
            "(kind = 'subscription' AND stripe_invoice_id IS NOT NULL)"
            " OR (kind = 'film' AND stripe_payment_intent_id IS NOT NULL)",
            name=op.f("ck_payments_stripe_ref"),
        ),
        _fk("payments", "film_id", "films", "SET NULL"),
        _fk("payments", "plan_id", "plans", "SET NULL"),
        _fk("payments", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("stripe_invoice_id", name=op.f("uq_payments_stripe_invoice_id")),
        sa.UniqueConstraint("stripe_payment_intent_id", name=op.f("uq_payments_stripe_payment_intent_id")),
    )
    op.create_index(
        "ix_payments_user_id_created_at",
        "payments",
        ["user_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("object_id", sa.String(length=255), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )


def downgrade() -> None:
    op.drop_table("webhook_events")
    op.drop_index("ix_payments_user_id_created_at", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_purchases_user_id_film_id", table_name="purchases")
    op.drop_index("ix_purchases_film_id", table_name="purchases")
    op.drop_table("purchases")
    op.drop_index("ix_subscriptions_user_id", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("stripe_customers")
    op.drop_table("plans")
